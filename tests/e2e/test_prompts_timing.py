"""When prompts go out: across daylight-saving changes, at each member's own 18:00, after a kill -9.

The scheduler is driven by a test clock: ``clock.set`` then ``scheduler.run_due()``.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import MovableClock
from tests.conftest import RunningBot
from tests.e2e.prompt_helpers import PROMPT, hub_with_members, prompts_received
from tests.fakebot import FakeTelegram


async def _fires_at(bot: RunningBot, clock: MovableClock, moment: datetime) -> int:
    """A minute before: nothing. At the moment: what fired."""
    clock.set(moment - timedelta(minutes=1))
    assert await bot.services.scheduler.run_due() == 0
    clock.set(moment)
    return await bot.services.scheduler.run_due()


@pytest.mark.parametrize(
    ("zone", "languages"),
    [("Europe/Bucharest", ("ro", "en")), ("Asia/Jerusalem", ("he", "ar"))],
)
async def test_weekly_monday_1800_keeps_local_time_across_dst(
    start_bot, make_config, telegram: FakeTelegram, zone: str, languages: tuple[str, ...]
) -> None:
    clock = MovableClock(datetime(2027, 3, 15, 10, 0, tzinfo=UTC))
    bot = await start_bot(make_config(), clock)
    hub = await hub_with_members(bot, telegram, languages, timezone=zone)
    await hub.facilitator.send(f"/prompt mon 18:00 {PROMPT}")
    [prompt] = await bot.services.prompts.for_hubs([hub.hub_id])
    local = ZoneInfo(zone)
    # Mondays on both sides of the last Sunday of March and of October (Israel moves on the
    # Friday before the last Sunday of March, and back on the last Sunday of October).
    mondays = [(2027, 3, 22), (2027, 3, 29), (2027, 10, 25), (2027, 11, 1)]
    for count, (year, month, day) in enumerate(mondays, start=1):
        moment = datetime(year, month, day, 18, 0, tzinfo=local)
        if count == 3:  # the weeks between: jump close, let them be skipped as missed
            clock.set(datetime(2027, 10, 25, 0, 0, tzinfo=UTC))
            await bot.services.scheduler.run_due()
        assert await _fires_at(bot, clock, moment) == 1
        await telegram.settle()
        for member in hub.members:
            assert len(prompts_received(member)) == count, (member.first_name, moment)
        view = await bot.services.prompts.get(prompt.id)
        assert view is not None and view.next_run is not None
        assert view.next_run.astimezone(local).strftime("%a %H:%M") == "Mon 18:00"
    # The local time stayed 18:00 while the UTC time moved by an hour each way.
    runs = await bot.services.scheduler._schedules.runs(
        (await bot.services.scheduler._schedules.for_ref("prompt", prompt.id)).id
    )
    fired = [moment for moment, outcome in runs if outcome == "fired"]
    assert [m.astimezone(UTC).hour for m in fired] == [16, 15, 15, 16]
    assert {m.astimezone(local).strftime("%H:%M") for m in fired} == {"18:00"}


async def test_per_member_zones_each_member_at_their_own_1800_one_job(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    clock = MovableClock(datetime(2026, 12, 7, 10, 0, tzinfo=UTC))
    bot = await start_bot(make_config(), clock)
    hub = await hub_with_members(bot, telegram, ("ru", "he", "en", "ro"))
    moscow, jerusalem, london, chisinau = hub.members
    await moscow.send("/timezone Europe/Moscow")
    await jerusalem.send("/timezone Asia/Jerusalem")  # the hub's offset in winter: UTC+2
    await london.send("/timezone Europe/London")
    await bot.services.prompts.set_timing(hub.hub_id, "member")
    await hub.facilitator.send(f"/prompt daily 18:00 {PROMPT}")
    [prompt] = await bot.services.prompts.for_hubs([hub.hub_id])
    assert prompt.next_run == datetime(2026, 12, 7, 15, 0, tzinfo=UTC)  # Moscow's 18:00 first
    schedule = await bot.services.scheduler._schedules.for_ref("prompt", prompt.id)
    job_queue = bot.app.job_queue
    assert [j.name for j in job_queue.jobs() if j.name.startswith("schedule:")] == [
        f"schedule:{schedule.id}"
    ]

    expected = {
        datetime(2026, 12, 7, 15, 0, tzinfo=UTC): [moscow],
        datetime(2026, 12, 7, 16, 0, tzinfo=UTC): [jerusalem, chisinau, hub.facilitator],
        datetime(2026, 12, 7, 18, 0, tzinfo=UTC): [london],
    }
    everyone = [*hub.members, hub.facilitator]
    got: set[str] = set()
    for moment, receivers in expected.items():
        assert await _fires_at(bot, clock, moment) == 1
        await telegram.settle()
        got |= {m.first_name for m in receivers}
        for member in everyone:
            assert len(prompts_received(member)) == (member.first_name in got), (
                member.first_name,
                moment,
            )
        # Still one job for the schedule, armed for the next zone's occurrence.
        assert len(job_queue.get_jobs_by_name(f"schedule:{schedule.id}")) == 1
    view = await bot.services.prompts.get(prompt.id)
    assert view.next_run == datetime(2026, 12, 8, 15, 0, tzinfo=UTC)
    # A member moving to a zone whose 18:00 comes sooner is re-timed at once.
    await london.send("/timezone Asia/Tokyo")
    view = await bot.services.prompts.get(prompt.id)
    assert view.next_run == datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
    # Firing the same occurrences again writes nothing.
    clock.set(datetime(2026, 12, 7, 18, 0, tzinfo=UTC))
    assert await bot.services.scheduler.run_due() == 0


async def test_kill_9_mid_fan_out_loses_and_repeats_nothing(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    clock = MovableClock(datetime(2026, 12, 7, 10, 0, tzinfo=UTC))
    config = make_config()
    bot = await start_bot(config, clock)
    hub = await hub_with_members(bot, telegram, ("ro", "he", "en", "ru", "nl", "ar"))
    await hub.facilitator.send(f"/prompt daily 18:00 {PROMPT}")
    await bot.stop()

    due = datetime(2026, 12, 7, 16, 0, tzinfo=UTC)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.e2e.crash_fanout", config.database.path, due.isoformat()
    )
    assert await process.wait() == -signal.SIGKILL
    clock.set(due)
    bot = await start_bot(config, clock)  # the restart fires the occurrence, whole
    await telegram.settle()
    for member in [*hub.members, hub.facilitator]:
        assert len(prompts_received(member)) == 1, member.first_name
    outcomes = await bot.services.db.fetch_all(
        "SELECT COUNT(*), COUNT(DISTINCT key) FROM outbox WHERE kind = 'prompt'"
    )
    assert tuple(outcomes[0]) == (7, 7)


async def test_a_hub_moving_zone_keeps_its_prompts_at_local_1800(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    clock = MovableClock(datetime(2026, 12, 7, 10, 0, tzinfo=UTC))
    bot = await start_bot(make_config(), clock)
    hub = await hub_with_members(bot, telegram, ("ro",))
    await hub.facilitator.send(f"/prompt daily 18:00 {PROMPT}")
    [prompt] = await bot.services.prompts.for_hubs([hub.hub_id])
    assert prompt.next_run == datetime(2026, 12, 7, 16, 0, tzinfo=UTC)
    await bot.services.hubs.set_timezone(hub.hub_id, "Europe/London")
    await bot.services.prompts.hub_zone_changed(hub.hub_id)
    view = await bot.services.prompts.get(prompt.id)
    assert view is not None and view.next_run == datetime(2026, 12, 7, 18, 0, tzinfo=UTC)
    assert await _fires_at(bot, clock, datetime(2026, 12, 7, 18, 0, tzinfo=UTC)) == 1
    await telegram.settle()
    assert len(prompts_received(hub.members[0])) == 1
