from bot.services import timezones


def test_resolve_is_case_and_space_tolerant() -> None:
    assert timezones.resolve("europe/chisinau") == "Europe/Chisinau"
    assert timezones.resolve(" America/New York ") == "America/New_York"
    assert timezones.resolve("utc") == "UTC"
    assert timezones.resolve("Mars/Olympus") is None
    assert timezones.resolve("../../etc/passwd") is None


def test_near_misses_get_suggestions() -> None:
    assert "Europe/Chisinau" in timezones.suggest("Europe/Chisinu")
    assert "Europe/Amsterdam" in timezones.suggest("amsterdm")
    assert "Asia/Jerusalem" in timezones.suggest("Jerusalem")
    assert timezones.suggest("") == []


def test_likely_zones_put_known_ones_first() -> None:
    zones = timezones.likely_zones("ro", "Europe/Paris")
    assert zones[0] == "Europe/Paris"
    assert "Europe/Bucharest" in zones
    assert len(zones) == len(set(zones))
