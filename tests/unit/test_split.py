import re

from bot.handlers.common import split_message, utf16_len


def test_short_text_is_one_message() -> None:
    assert split_message("hello") == ["hello"]


def test_long_text_splits_at_line_breaks_within_the_limit() -> None:
    lines = [f"<b>line {i}</b> " + "x" * 80 for i in range(200)]
    chunks = split_message("\n".join(lines))
    assert len(chunks) > 1
    assert all(utf16_len(chunk) <= 4096 for chunk in chunks)
    assert "\n".join(chunks) == "\n".join(lines)
    assert all(chunk.count("<b>") == chunk.count("</b>") for chunk in chunks)


def test_one_huge_line_is_cut_without_breaking_an_entity() -> None:
    text = "a&amp;" * 1500
    chunks = split_message(text, limit=4096)
    assert "".join(chunks) == text
    for chunk in chunks:
        assert utf16_len(chunk) <= 4096
        tail = chunk[chunk.rfind("&") :] if "&" in chunk else ""
        assert not tail or ";" in tail


def test_emoji_count_as_two_utf16_units() -> None:
    chunks = split_message("😀" * 3000)
    assert [utf16_len(c) for c in chunks] == [4096, 1904]


def _balanced(chunk: str) -> bool:
    depth = 0
    for tag in re.findall(r"</?b>", chunk):
        depth += -1 if tag == "</b>" else 1
        if depth < 0:
            return False
    return depth == 0


def test_one_huge_line_is_never_cut_inside_a_tag_or_an_element() -> None:
    line = "❓ " + "<b>ab</b> " * 500
    chunks = split_message(line)
    assert len(chunks) == 2
    for chunk in chunks:
        assert utf16_len(chunk) <= 4096
        assert _balanced(chunk), chunk[-40:]
        assert re.search(r"<[^>]*$", chunk) is None  # no tag cut in half
    assert re.sub("<[^>]+>", "", "".join(chunks)) == re.sub("<[^>]+>", "", line)


def test_an_element_longer_than_the_limit_is_closed_and_reopened() -> None:
    line = '<a href="https://e.org">' + "x" * 5000 + "</a> <b>y</b>"
    chunks = split_message(line)
    assert all(utf16_len(chunk) <= 4096 for chunk in chunks)
    assert chunks[0].endswith("</a>") and chunks[1].startswith('<a href="https://e.org">')
    assert re.sub("<[^>]+>", "", "".join(chunks)) == "x" * 5000 + " y"
