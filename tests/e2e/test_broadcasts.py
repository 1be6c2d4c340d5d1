"""Broadcasts through the outbox: preview first, exactly one copy each, a report, under failures."""

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import MovableClock
from bot.db.outbox import NewMessage, OutboxRepository, Status
from tests.conftest import ADMIN_ID, RunningBot, tr
from tests.e2e.test_hubs import invite_link, make_hub
from tests.fakebot import FakeTelegram, Msg, SimGroup, SimUser

ANNOUNCEMENT = "Session on Thursday moves to room <12> & starts at 18:00"


async def hub_with_members(
    telegram: FakeTelegram, languages: tuple[str, ...] = ("ro", "he", "en")
) -> tuple[SimUser, SimGroup, SimUser, list[SimUser]]:
    """A hub whose founder never opened a private chat, a co-facilitator, and members."""
    founder = telegram.user("Olga", language_code="en")
    group = await make_hub(telegram, founder)
    await founder.send("/invite", chat=group)
    code = invite_link(telegram, group.last().text).rsplit("=", 1)[1]
    fatima = telegram.user("Fatima", language_code="en")
    await fatima.send(f"/start {code}")
    group.add_member(fatima)
    await founder.send(f"/promote {fatima.id}", chat=group)
    members = []
    for index, language in enumerate(languages):
        member = telegram.user(f"Member{index}", language_code=language)
        await member.send(f"/start {code}")
        members.append(member)
    return founder, group, fatima, members


def copies(user: SimUser, text: str = ANNOUNCEMENT) -> list[Msg]:
    """Delivered copies: they open with the 📣 header (a preview or a listing does not)."""
    return [m for m in user.inbox() if m.text.startswith("📣") and text in m.text]


# The hub's founder never started the bot: Telegram refuses them (403), the report says so.
@pytest.mark.telegram_errors(403)
async def test_preview_confirm_deliver_once_and_report(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    _founder, _group, fatima, (mihai, noa, blocker) = await hub_with_members(telegram)
    await blocker.block()
    await fatima.send(f"/broadcast {ANNOUNCEMENT}")
    preview = fatima.last()
    assert "to 5 members of Chisinau mentors" in preview.text
    assert ANNOUNCEMENT in preview.text  # shown as text, the HTML-looking part escaped
    assert copies(mihai) == []  # nothing goes out before Confirm

    await fatima.press(preview, "✅ Confirm")
    assert "Sending to 5 members" in preview.text  # the preview became the confirmation
    for member in (mihai, noa, fatima):
        assert len(copies(member)) == 1, member.first_name
    assert copies(blocker) == []
    assert (
        tr("he", "📣 Announcement from <b>{hub}</b>", hub="Chisinau mentors") in copies(noa)[0].text
    )
    assert (
        tr("ro", "📣 Announcement from <b>{hub}</b>", hub="Chisinau mentors")
        in copies(mihai)[0].text
    )

    report = fatima.last().text
    assert "3 delivered" in report
    assert "1 blocked the bot" in report
    assert "1 never started the bot" in report  # the founder never opened a private chat

    # A second press of the same (forged) button sends nothing more.
    broadcast_id = (await _all_broadcasts(bot))[-1].id
    answer = await fatima.press_data(fatima.last(), f"bc:{broadcast_id}:go")
    assert answer is not None and answer.show_alert
    assert len(copies(mihai)) == 1

    await fatima.send("/broadcasts")
    assert f"#{broadcast_id}" in fatima.last().text
    assert "3 delivered" in fatima.last().text


async def test_report_and_preview_in_the_senders_language(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    founder = telegram.user("Dana", language_code="he")
    group = await make_hub(telegram, founder)
    await founder.send("/start")
    await founder.send("/broadcast שלום לכולם")
    preview = founder.last()
    assert "שלום לכולם" in preview.text
    await founder.press(preview, preview.buttons[0][0].text)  # "Send", in Hebrew
    report = founder.last().text
    assert tr("he", "<b>Announcement #{id}</b>: delivery report", id=1) in report
    assert tr("he", "{count} delivered", count=1) in report
    assert len(copies(founder, "שלום לכולם")) == 1
    assert not any("שלום לכולם" in m.text for m in group.inbox())  # the group only if asked


# The hub's founder never started the bot: Telegram refuses them (403), the report says so.
@pytest.mark.telegram_errors(403)
async def test_optionally_posted_in_the_group(bot: RunningBot, telegram: FakeTelegram) -> None:
    _founder, group, fatima, _members = await hub_with_members(telegram, ("en",))
    await fatima.send("/broadcast Hello group")
    await fatima.press(fatima.last(), "☐ Also post in group")
    assert fatima.last().button("☑ Also post in group")
    await fatima.press(fatima.last(), "✅ Confirm")
    assert "Hello group" in group.last().text


async def test_bad_input_gets_clear_answers(bot: RunningBot, telegram: FakeTelegram) -> None:
    _founder, _group, fatima, (member,) = await hub_with_members(telegram, ("ru",))
    await fatima.send("/broadcast")
    assert "Send the text of the announcement" in fatima.last().text
    await fatima.send("/broadcast " + "x" * 3801)
    assert "3801 characters; the limit is 3800" in fatima.last().text
    await fatima.send("/broadcast at 2020-01-01 10:00 Too late")
    assert "has already passed" in fatima.last().text
    await fatima.send("/broadcast at 2026-13-45 25:00 Nonsense")
    assert "year-month-day and a 24-hour time" in fatima.last().text
    await fatima.send("/broadcast at tomorrow Nonsense")  # no date after "at": plain text
    assert "at tomorrow Nonsense" in fatima.last().text
    assert fatima.last().button("🗓 Schedule…")
    await member.send("/broadcast Hi all")
    assert member.last().text == tr("ru", "Only facilitators can do that.")
    await member.send("/broadcasts")
    assert member.last().text == tr("ru", "Only facilitators can do that.")
    # A member forging the preview's buttons is refused, and nothing is sent.
    await fatima.send("/broadcast Draft only")
    broadcast = await bot.services.broadcasts.recent(None)
    drafts = [b for b in await _all_broadcasts(bot) if b.text == "Draft only"]
    answer = await member.press_data(member.last(), f"bc:{drafts[0].id}:go")
    assert answer is not None
    assert answer.text == tr("ru", "Only this hub's facilitators can do that.")
    assert copies(member, "Draft only") == []
    assert broadcast == []  # drafts are not listed


async def _all_broadcasts(bot: RunningBot) -> list:
    rows = await bot.services.db.fetch_all("SELECT id FROM broadcasts ORDER BY id")
    return [await bot.services.broadcasts.get(r[0]) for r in rows]


# The hub's founder never started the bot: Telegram refuses them (403), the report says so.
@pytest.mark.telegram_errors(403)
async def test_scheduled_broadcast_fires_after_a_restart_exactly_once(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    clock = MovableClock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))  # 12:00 in Chisinau
    bot = await start_bot(make_config(), clock)
    _founder, _group, fatima, (mihai, noa) = await hub_with_members(telegram, ("ro", "ar"))
    await fatima.send("/broadcast at 2026-11-23 18:30 Evening session is online")
    preview = fatima.last()
    assert "6:30" in preview.text  # in Chisinau time, in English's 12-hour clock
    await fatima.press(preview, "✅ Confirm")
    assert "Scheduled for" in fatima.last().text
    await fatima.send("/broadcasts")
    assert fatima.last().button("Cancel #1")
    await bot.stop()

    clock.set(datetime(2026, 11, 23, 16, 31, tzinfo=UTC))  # 18:31 local, the bot was down
    bot = await start_bot(make_config(), clock)
    await bot.services.delivery.drained()
    assert [len(copies(m, "Evening session")) for m in (mihai, noa, fatima)] == [1, 1, 1]
    await bot.stop()
    bot = await start_bot(make_config(), clock)  # and once more: nothing fires twice
    await bot.services.scheduler.run_due()
    await bot.services.delivery.drained()
    assert [len(copies(m, "Evening session")) for m in (mihai, noa, fatima)] == [1, 1, 1]


async def test_cancelled_schedule_never_fires(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    clock = MovableClock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    bot = await start_bot(make_config(), clock)
    _founder, _group, fatima, (mihai,) = await hub_with_members(telegram, ("nl",))
    await fatima.send("/broadcast at 2026-11-24 09:00 Tomorrow's news")
    await fatima.press(fatima.last(), "✅ Confirm")
    await fatima.send("/broadcasts")
    await fatima.press(fatima.last(), "Cancel #1")
    assert "Cancelled" in fatima.last().text
    clock.advance(timedelta(days=1))
    assert await bot.services.scheduler.run_due() == 0
    await bot.services.delivery.drained()
    assert copies(mihai, "Tomorrow's news") == []


@pytest.mark.telegram_errors(403, 429)
async def test_429s_are_waited_out_and_nothing_is_lost_or_doubled(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    _founder, _group, fatima, members = await hub_with_members(telegram, ("en",) * 6)
    telegram.limits.global_per_second = 3
    await fatima.send("/broadcast Paced")
    await fatima.press(fatima.last(), "✅ Confirm")
    await bot.services.delivery.drained()
    assert telegram.rejected_429 > 0
    assert [len(copies(m, "Paced")) for m in [*members, fatima]] == [1] * 7


# The hub's founder never started the bot: Telegram refuses them (403), the report says so.
@pytest.mark.telegram_errors(403)
async def test_network_failure_is_retried_until_it_passes(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    bot = await start_bot(make_config(delivery={"max_attempts": 100}))
    _founder, _group, fatima, members = await hub_with_members(telegram, ("en", "ru"))
    await fatima.send("/broadcast Through the storm")
    preview = fatima.last()
    broadcast = (await _all_broadcasts(bot))[-1]
    telegram.set_network_failure(True)
    await bot.services.broadcasts.confirm(broadcast)
    bot.services.delivery.wake()
    await telegram.wait_for(
        lambda: sum(1 for c in telegram.calls if c.method == "sendMessage" and not c.ok) >= 3
    )
    telegram.set_network_failure(False)
    await bot.services.delivery.drained()
    assert [len(copies(m, "Through the storm")) for m in [*members, fatima]] == [1, 1, 1]
    attempts = await bot.services.db.fetch_all(
        "SELECT attempts, status FROM outbox WHERE kind = 'broadcast'"
    )
    assert any(row[0] > 1 for row in attempts)
    assert preview.text  # the preview itself is untouched by the failure


# The hub's founder never started the bot: Telegram refuses them (403), the report says so.
@pytest.mark.telegram_errors(403)
async def test_stopped_mid_broadcast_and_restarted_everyone_gets_one_copy(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    config = make_config(delivery={"messages_per_second": 20})
    bot = await start_bot(config)
    _founder, _group, fatima, members = await hub_with_members(telegram, ("en",) * 40)
    await fatima.send("/broadcast Half now, half later")
    # Press without waiting for delivery to finish (settling would wait for it).
    telegram.settle_hooks.remove(bot.services.delivery.idle)
    await fatima.press(fatima.last(), "✅ Confirm")
    await telegram.wait_for(lambda: sum(len(copies(m, "Half now")) for m in members) >= 10)
    await bot.stop()
    delivered_before = sum(len(copies(m, "Half now")) for m in members)
    assert delivered_before < len(members)  # it really was stopped mid-way

    bot = await start_bot(config)
    await bot.services.delivery.drained()
    counts = Counter(len(copies(m, "Half now")) for m in [*members, fatima])
    assert counts == Counter({1: len(members) + 1})
    report = fatima.last().text
    assert f"{len(members) + 1} delivered" in report


# The hub's founder never started the bot: Telegram refuses them (403), the report says so.
@pytest.mark.telegram_errors(403)
async def test_unblocking_makes_a_member_reachable_again(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    _founder, _group, fatima, (member,) = await hub_with_members(telegram, ("en",))
    await member.block()
    await fatima.send("/broadcast First")
    await fatima.press(fatima.last(), "✅ Confirm")
    assert copies(member, "First") == []
    await member.unblock()
    await member.send("/start")
    await fatima.send("/broadcast Second")
    await fatima.press(fatima.last(), "✅ Confirm")
    assert len(copies(member, "Second")) == 1
    statuses = await bot.services.db.fetch_all(
        "SELECT status FROM outbox WHERE user_id = ? AND kind = 'broadcast' ORDER BY id",
        (member.id,),
    )
    assert [row[0] for row in statuses] == [Status.BLOCKED, Status.SENT]


async def test_writing_the_same_fan_out_twice_adds_nothing(bot: RunningBot) -> None:
    rows = [
        NewMessage(f"bulk:1:{i}", 10_000_000 + i, "bulk", "x", status=Status.CANCELLED)
        for i in range(10_000)
    ]
    assert await bot.services.outbox.add(rows) == 10_000
    assert await bot.services.outbox.add(rows) == 0
    count = await bot.services.db.fetch_value("SELECT COUNT(*) FROM outbox WHERE kind = 'bulk'")
    assert count == 10_000


# The hub's founder never started the bot: Telegram refuses them (403), the report says so.
@pytest.mark.telegram_errors(403)
async def test_admin_broadcasts_to_all_hubs_once_per_person(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    _founder, north, _fatima, (shared, only_north) = await hub_with_members(telegram, ("en", "ru"))
    south_owner = telegram.user("Sven", language_code="nl")
    south = await make_hub(telegram, south_owner, "South")
    await south_owner.send("/invite", chat=south)
    code = invite_link(telegram, south.last().text).rsplit("=", 1)[1]
    await shared.send(f"/start {code}")
    admin = telegram.user("Ada", user_id=ADMIN_ID)
    await admin.send("/broadcast Network news")
    await admin.press(admin.last(), "All hubs")
    assert "members of all hubs" in admin.last().text
    await admin.press(admin.last(), "✅ Confirm")
    assert len(copies(shared, "Network news")) == 1  # a member of both hubs: one copy
    assert len(copies(only_north, "Network news")) == 1
    assert copies(only_north, "Network news")[0].text.startswith(
        tr("ru", "📣 Announcement to all hubs")
    )
    assert north.inbox()[-1].text != "Network news"


async def test_broadcast_in_a_group_that_is_no_hub(bot: RunningBot, telegram: FakeTelegram) -> None:
    owner = telegram.user("Olga", language_code="en")
    group = telegram.group("Just a group", creator=owner)
    await group.add_bot(by=owner)
    await owner.send("/broadcast Hello", chat=group)
    assert "isn't a hub yet" in group.last().text


async def test_weekly_schedule_keeps_local_time_across_dst_end_to_end(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    """A weekly Monday 18:00 (Amsterdam) occurrence, delivered through the outbox, both sides
    of the end of summer time; the bot restarts in between."""
    clock = MovableClock(datetime(2026, 10, 18, 12, tzinfo=UTC))
    bot = await start_bot(make_config(), clock)
    member = telegram.user("Mila", language_code="nl")
    await member.send("/start")

    def register(running: RunningBot) -> None:
        async def remind(conn, schedule, occurrence: datetime) -> None:
            await OutboxRepository.add_many(
                conn,
                [
                    NewMessage(
                        f"weekly:{schedule.id}:{occurrence:%Y%m%d}",
                        member.id,
                        "weekly",
                        f"📣 Weekly {occurrence:%Y-%m-%d %H:%M}Z",
                        user_id=member.id,
                    )
                ],
            )

        running.services.scheduler.register("weekly", remind, grace=timedelta(hours=1))

    register(bot)
    async with bot.services.db.transaction() as conn:
        schedule_id = await bot.services.scheduler.add(
            conn,
            kind="weekly",
            ref_id=0,
            hub_id=None,
            rule="weekly",
            at_local="18:00",
            weekdays="mon",
            timezone="Europe/Amsterdam",
        )
    clock.set(datetime(2026, 10, 19, 16, 0, 1, tzinfo=UTC))
    await bot.services.scheduler.run_due()
    await bot.services.delivery.drained()
    await bot.stop()

    bot = await start_bot(make_config(), clock)
    register(bot)
    clock.set(datetime(2026, 10, 26, 17, 0, 1, tzinfo=UTC))
    await bot.services.scheduler.run_due()
    await bot.services.scheduler.run_due()  # fired twice: nothing new
    await bot.services.delivery.drained()
    assert [m.text for m in copies(member, "Weekly")] == [
        "📣 Weekly 2026-10-19 16:00Z",  # 18:00 CEST
        "📣 Weekly 2026-10-26 17:00Z",  # 18:00 CET
    ]
    runs = await bot.services.db.fetch_all(
        "SELECT outcome FROM schedule_runs WHERE schedule_id = ?", (schedule_id,)
    )
    assert [r[0] for r in runs] == ["fired", "fired"]


async def test_rows_left_mid_send_by_a_killed_process_are_sent_again(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    """The documented window: a send whose answer never came back is repeated, not lost."""
    bot = await start_bot()
    member = telegram.user("Mila", language_code="en")
    await member.send("/start")
    await bot.stop()
    # What a process killed between claiming and recording leaves behind.
    await bot.services.db.open()
    await bot.services.outbox.add([NewMessage("kill:1", member.id, "test", "📣 Survivor")])
    await bot.services.db.execute("UPDATE outbox SET status = 'sending' WHERE key = 'kill:1'")
    await bot.services.db.close()

    bot = await start_bot()
    await bot.services.delivery.drained()
    assert len(copies(member, "Survivor")) == 1
    row = await bot.services.db.fetch_one("SELECT status, reason FROM outbox WHERE key = 'kill:1'")
    assert row["status"] == "sent"
    assert "resent" in row["reason"]
