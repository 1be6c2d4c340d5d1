import pytest

from bot import callbacks


def test_pack_and_unpack_round_trip() -> None:
    data = callbacks.pack("hs", 12, "tz", "America/Argentina/Buenos_Aires")
    assert callbacks.unpack(data, "hs", int, str, str) == (
        12,
        "tz",
        "America/Argentina/Buenos_Aires",
    )


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "hs",
        "hs:x:tz",
        "hs:1",
        "hs:1:tz:extra:more",
        "lang:1",
        "hs:1:<b>",
        "hs:1:" + "a" * 64,
    ],
)
def test_forged_or_stale_data_is_rejected(data: str | None) -> None:
    assert callbacks.unpack(data, "hs", int, str) is None


def test_pack_refuses_data_over_64_bytes_or_with_separators() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        callbacks.pack("x", "a" * 70)
    with pytest.raises(ValueError, match="unsafe"):
        callbacks.pack("x", "a:b")
