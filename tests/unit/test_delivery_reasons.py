"""The delivery report names failure reasons in the reader's language, never Telegram's English."""

from datetime import UTC, datetime

import pytest

from bot import i18n
from bot.db.broadcasts import BroadcastRow, BroadcastStatus
from bot.db.outbox import Status
from bot.services.broadcasts import Report, failure_reason, report_text
from tests.conftest import tr

RAW = {
    "Forbidden: bot was blocked by the user": 1,
    "Bad Request: chat not found": 2,
    "Forbidden: user is deactivated": 1,
    "network: Timed out": 1,
    "Bad Request: something new from Telegram": 1,
}


def _broadcast() -> BroadcastRow:
    fields = dict.fromkeys(BroadcastRow.__dataclass_fields__)
    fields.update(id=7, text="x", status=BroadcastStatus.SENDING, send_at=None, hub_id=None)
    fields.update({k: datetime(2026, 1, 1, tzinfo=UTC) for k in fields if k.endswith("_at")})
    fields["send_at"] = None
    return BroadcastRow(**fields)


@pytest.mark.parametrize("locale", ["ru", "he", "ar", "nl"])
def test_report_reasons_are_localised(locale: str) -> None:
    report = Report(_broadcast(), {Status.FAILED: 6}, dict(RAW))
    with i18n.use_locale(locale):
        text = report_text(report)
    for raw in RAW:
        assert raw not in text
    for msgid, n in [
        ("chat not found", 2),
        ("account deleted", 1),
        ("network problem", 1),
        ("other error", 1),
        ("blocked the bot", 1),
    ]:
        assert f"{tr(locale, msgid)}: {n}" in text, msgid


def test_unknown_and_empty_reasons_get_a_generic_one() -> None:
    with i18n.use_locale("ro"):
        assert failure_reason(None) == tr("ro", "other error")
        assert failure_reason("Bad Request: chat not found") == tr("ro", "chat not found")
