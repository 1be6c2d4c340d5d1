"""Every parser of what people type or forge: a valid result or a clean refusal, never an error."""

import sqlite3
from contextlib import closing

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import callbacks
from bot.db.questions import fts_query
from bot.handlers.broadcasts import _parse as parse_broadcast
from bot.parsing import INT64_MAX, INT64_MIN, id_and_rest, parse_id, parse_int, single_id
from bot.services import timezones

FAST = settings(max_examples=300, deadline=None, database=None)
# Run once per callback layout: fewer examples each keep the whole file to a few seconds.
PER_LAYOUT = settings(max_examples=40, deadline=None, database=None)

# Every callback layout a handler unpacks (grep "callbacks.unpack" in bot/handlers).
CALLBACKS: list[tuple[str, tuple[type, ...]]] = [
    ("mem", (int,)),
    ("pro", (int, int)),
    ("dem", (int, int)),
    ("qh", (int,)),
    ("q", (int, str)),
    ("qv", (int,)),
    ("agd", (int,)),
    ("qm", (int, str)),
    ("faq", (int,)),
    ("inv", (int,)),
    ("lvno", ()),
    ("lvq", (int,)),
    ("lv", (int,)),
    ("bcp", (int,)),
    ("bc", (int, str)),
    ("bcx", (int,)),
    ("set", (str,)),
    ("tz", (str,)),
    ("hs", (int, str)),
    ("hs", (int, str, str)),
    ("lang", (str,)),
]

# Text as people and forgers send it: any characters, digits of every script, and numbers.
numbers = st.integers(min_value=-(10**30), max_value=10**30)
texts = st.one_of(
    st.text(max_size=80),
    st.text(alphabet="0123456789-#²³¹٠١٢٣٤٥٦٧٨٩０１２ \n\t:", max_size=40),
    numbers.map(str),
    st.tuples(numbers, st.text(max_size=20)).map(lambda p: f"{p[0]} {p[1]}"),
)


def _is_valid_id(value: object) -> bool:
    return isinstance(value, int) and 1 <= value <= INT64_MAX


@FAST
@given(texts)
def test_id_parsers_accept_ascii_ids_in_range_and_refuse_the_rest(text: str) -> None:
    value = parse_int(text)
    assert value is None or (INT64_MIN <= value <= INT64_MAX and text.isascii())
    one = parse_id(text)
    assert one is None or _is_valid_id(one)
    number, rest = id_and_rest(text)
    assert number is None or _is_valid_id(number)
    assert isinstance(rest, str)
    target = single_id(text.split())
    assert target is None or _is_valid_id(target)
    if one is not None:
        assert text.strip("#").isascii()


@FAST
@given(numbers)
def test_every_integer_is_an_id_only_within_sqlite_range(number: int) -> None:
    expected = number if 1 <= number <= INT64_MAX else None
    assert parse_id(str(number)) == expected
    assert id_and_rest(f"#{number} the rest") == (expected, "the rest")
    assert single_id([str(number)]) == expected


@pytest.mark.parametrize(("action", "types"), CALLBACKS)
@PER_LAYOUT
@given(arguments=st.lists(st.one_of(texts, numbers.map(str)), max_size=4), raw=texts)
def test_callback_data_unpacks_to_typed_values_in_range_or_nothing(
    action: str, types: tuple[type, ...], arguments: list[str], raw: str
) -> None:
    for data in (":".join([action, *arguments]), raw, f"{action}:{raw}"):
        parsed = callbacks.unpack(data, action, *types)
        if parsed is None:
            continue
        assert len(parsed) == len(types)
        for value, kind in zip(parsed, types, strict=True):
            assert isinstance(value, kind)
            if kind is int:
                assert 0 <= value <= INT64_MAX
            else:
                assert value and value.isascii() and ":" not in value and "\n" not in value


@FAST
@given(texts)
def test_command_text_parsers_never_fail(text: str) -> None:
    parsed = parse_broadcast(text)
    assert parsed is None or isinstance(parsed[0], str)
    parse_broadcast(f"at {text}")
    zone = timezones.resolve(text)
    assert zone is None or isinstance(zone, str)
    assert all(isinstance(z, str) for z in timezones.suggest(text[:40]))
    query = fts_query(text)  # /faq: the words become FTS5 syntax, so it must always be valid
    if query is not None:
        with closing(sqlite3.connect(":memory:")) as conn:
            conn.execute("CREATE VIRTUAL TABLE t USING fts5(x)")
            conn.execute("SELECT * FROM t WHERE t MATCH ?", (query,)).fetchall()


@pytest.mark.parametrize(
    "text",
    ["10000001091000000063", "99999999999999999999", "9223372036854775808", "²", "٣", "１２"],
)
def test_the_inputs_from_the_storm_are_refused(text: str) -> None:
    assert parse_id(text) is None
    assert id_and_rest(f"{text} 1000000107") == (None, "1000000107")
    assert callbacks.unpack(f"lv:{text}", "lv", int) is None
    assert callbacks.unpack("mem:-9223372036854775809", "mem", int) is None
    assert parse_id("9223372036854775807") == INT64_MAX
