import pytest

from bot.services.hubs import (
    CODE_LENGTH,
    HubError,
    HubProblem,
    clean_hub_name,
    new_join_code,
    normalize_code,
)


def test_join_codes_are_unambiguous() -> None:
    codes = {new_join_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == CODE_LENGTH and not set(c) & set("01OIL") for c in codes)


def test_codes_survive_case_spaces_and_bidi_marks() -> None:
    assert normalize_code(" abcd2345\u2069 ") == "ABCD2345"
    assert normalize_code("\u2068abcd 2345\u2069") == "ABCD2345"


def test_hub_names_are_trimmed_and_bounded() -> None:
    assert clean_hub_name("  North \n  mentors ") == "North mentors"
    with pytest.raises(HubError) as empty:
        clean_hub_name(" \n ")
    assert empty.value.reason is HubProblem.NAME_EMPTY
    with pytest.raises(HubError) as long:
        clean_hub_name("x" * 65)
    assert long.value.reason is HubProblem.NAME_TOO_LONG
