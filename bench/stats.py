"""/stats at scale: a hub of 10,000 members with a year of activity.

The database holds, for one hub: 10,000 members (a few hundred who left during the year), each
active on about a third of the year's days (~1.2 million activity marks), a weekly announcement
to everyone (~520,000 outbox rows), a weekly reflection prompt (~520,000 sends), 2,000 questions,
50 meetings with RSVPs and attendance, 24 polls and 4 surveys. The bot runs in its own process
against the fake Bot API; the facilitator sends /stats: the time from the command to the chart
(sendPhoto), the first time (matplotlib is imported then) and again, and the bot's peak memory
(VmHWM) before and after. Aim: < 2 s, < 150 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import bot_config, hub_database, peak_mb, running
from tests.fakebot import ApiCall, FakeTelegram

FACILITATOR = 1_000
FIRST_MEMBER = 10_000_000


def ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def year_of_activity(path: Path, members: int, now: datetime, seed: int = 13) -> int:
    """Fill the hub with a year of activity; return the number of rows written."""
    rng = random.Random(seed)
    people = [FACILITATOR] + [FIRST_MEMBER + i for i in range(members)]
    today = now.date()
    rows = 0
    with sqlite3.connect(path) as conn:
        # joined over the year (the facilitator first)
        conn.executemany(
            "UPDATE memberships SET joined_at = ? WHERE user_id = ?",
            [(ts(now - timedelta(days=rng.randrange(1, 365), seconds=rng.randrange(86400))), uid)
             for uid in people[1:]],
        )  # fmt: skip
        conn.executemany(
            "INSERT INTO membership_departures (hub_id, joined_at, left_at) VALUES (1, ?, ?)",
            [(ts(now - timedelta(days=365)), ts(now - timedelta(days=rng.randrange(365))))
             for _ in range(members // 30)],
        )  # fmt: skip
        days = [(today - timedelta(days=d)).isoformat() for d in range(365)]
        batch = []
        for uid in people:
            share = rng.choice((0.05, 0.2, 0.35, 0.6))
            batch.extend((uid, day) for day in days if rng.random() < share)
            if len(batch) > 200_000:
                conn.executemany("INSERT INTO activity_days VALUES (?, ?)", batch)
                rows += len(batch)
                batch = []
        conn.executemany("INSERT INTO activity_days VALUES (?, ?)", batch)
        rows += len(batch)
        # a weekly announcement to everyone
        statuses = ["sent"] * 95 + ["blocked"] * 3 + ["not_started", "failed"]
        for week in range(52):
            sent = now - timedelta(days=7 * week + 1)
            cursor = conn.execute(
                """INSERT INTO broadcasts (hub_id, sender_id, text, status, created_at, sent_at)
                   VALUES (1, ?, 'Weekly news', 'done', ?, ?)""",
                (FACILITATOR, ts(sent), ts(sent)),
            )
            bid = cursor.lastrowid
            conn.executemany(
                """INSERT INTO outbox (key, chat_id, user_id, kind, ref_id, text, status,
                                       not_before, created_at, updated_at)
                   VALUES (?, ?, ?, 'broadcast', ?, 'Weekly news', ?, ?, ?, ?)""",
                [(f"broadcast:{bid}:{uid}", uid, uid, bid, rng.choice(statuses), ts(sent),
                  ts(sent), ts(sent)) for uid in people],
            )  # fmt: skip
            rows += len(people)
        # a weekly prompt
        conn.execute(
            "INSERT INTO prompts (id, hub_id, text, created_at) VALUES (1, 1, 'How was it?', ?)",
            (ts(now - timedelta(days=365)),),
        )
        for week in range(52):
            sent = now - timedelta(days=7 * week + 2)
            conn.executemany(
                """INSERT INTO prompt_sends (prompt_id, user_id, occurrence, sent_at, status)
                   VALUES (1, ?, ?, ?, ?)""",
                [(uid, sent.date().isoformat(), ts(sent),
                  rng.choice(("sent", "answered", "answered", "skipped"))) for uid in people],
            )  # fmt: skip
            rows += len(people)
        # questions, answered within minutes to days
        for n in range(2000):
            created = now - timedelta(days=rng.randrange(365), seconds=rng.randrange(86400))
            answered = created + timedelta(minutes=rng.randrange(5, 4000))
            done = rng.random() < 0.8 and answered < now
            conn.execute(
                """INSERT INTO questions (hub_id, asker_id, text, status, answer, answered_at,
                                          created_at, updated_at)
                   VALUES (1, ?, ?, ?, ?, ?, ?, ?)""",
                (rng.choice(people), f"Question {n}", "answered" if done else "open",
                 "An answer" if done else None, ts(answered) if done else None, ts(created),
                 ts(created)),
            )  # fmt: skip
        # meetings every week, RSVPs and attendance
        for n in range(50):
            starts = now - timedelta(days=7 * n + 3)
            conn.execute(
                """INSERT INTO meetings (id, hub_id, title, timezone, duration_minutes, uid,
                                         created_at, updated_at)
                   VALUES (?, 1, 'Meeting', 'UTC', 60, ?, ?, ?)""",
                (n + 1, f"m{n}", ts(starts), ts(starts)),
            )
            conn.execute(
                """INSERT INTO meeting_occurrences (id, meeting_id, starts_local, starts_at,
                                                    original_start)
                   VALUES (?, ?, 'x', ?, ?)""",
                (n + 1, n + 1, ts(starts), ts(starts)),
            )
            going = rng.sample(people, 800)
            conn.executemany(
                "INSERT INTO meeting_rsvps VALUES (?, ?, ?, ?)",
                [(n + 1, uid, rng.choice(("yes", "yes", "maybe", "no")), ts(starts))
                 for uid in going],
            )  # fmt: skip
            conn.executemany(
                "INSERT INTO meeting_attendance VALUES (?, ?, ?)",
                [(n + 1, uid, int(rng.random() < 0.8)) for uid in going[:500]],
            )
        # polls twice a month, half named
        for n in range(24):
            created = now - timedelta(days=15 * n + 1)
            conn.execute(
                """INSERT INTO polls (id, hub_id, author_id, question, options, anonymous,
                                      multiple, private, created_at)
                   VALUES (?, 1, ?, 'Which day?', '["Mon","Tue"]', ?, 0, 0, ?)""",
                (n + 1, FACILITATOR, n % 2, ts(created)),
            )
            if n % 2:
                conn.execute(
                    """INSERT INTO poll_messages (poll_id, chat_id, message_id, tg_poll_id, total)
                       VALUES (?, -4000009999, ?, ?, ?)""",
                    (n + 1, n + 1, f"tg{n}", rng.randrange(1000, 4000)),
                )
            else:
                conn.executemany(
                    "INSERT INTO poll_votes VALUES (?, ?, ?, ?)",
                    [(n + 1, uid, json.dumps([rng.randrange(2)]), ts(created))
                     for uid in rng.sample(people, 3000)],
                )  # fmt: skip
        # a survey every quarter
        for n in range(4):
            opens = now - timedelta(days=90 * n + 20)
            conn.execute(
                """INSERT INTO surveys (id, hub_id, author_id, title, anonymous, opens_at,
                                        closes_at, status, created_at)
                   VALUES (?, 1, ?, 'Quarterly', 1, ?, ?, 'closed', ?)""",
                (n + 1, FACILITATOR, ts(opens), ts(opens + timedelta(days=14)), ts(opens)),
            )
            conn.executemany(
                "INSERT INTO survey_participants VALUES (?, ?, ?)",
                [(n + 1, uid, int(rng.random() < 0.4)) for uid in people],
            )
        conn.execute("ANALYZE")
    return rows


async def measure(members: int, repeats: int) -> None:
    server = FakeTelegram()
    await server.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            directory = Path(tmp)
            config = bot_config(directory, 1000, per_chat=1000)
            facilitator = server.user("Facilitator", user_id=FACILITATOR)
            hub_database(config, members, FIRST_MEMBER, facilitator.id)
            started = time.monotonic()
            now = datetime.now(UTC).replace(microsecond=0)
            rows = year_of_activity(directory / "bench.sqlite3", members, now)
            size = (directory / "bench.sqlite3").stat().st_size / 1e6
            print(
                f"database: {members:,} members, {rows:,} rows of activity, "
                f"{size:.0f} MB, written in {time.monotonic() - started:.0f} s"
            )
            photos: list[ApiCall] = []
            texts: list[ApiCall] = []

            def listen(call: ApiCall) -> None:
                if call.method == "sendPhoto":
                    photos.append(call)
                elif call.method == "sendMessage":
                    texts.append(call)

            server.call_listeners.append(listen)
            async with running(server, env={"BOT_CONFIG": str(config)}) as process:
                await facilitator.send("/start")
                await server.settle(timeout=60)
                idle = peak_mb(process.pid)
                print(f"bot idle, peak RSS so far: {idle:.1f} MB")
                for attempt in range(repeats):
                    count = len(photos)
                    begun = time.monotonic()
                    facilitator.post("/stats")
                    await server.wait_for(lambda c=count: len(photos) > c, timeout=120)
                    elapsed = photos[-1].at - begun
                    assert photos[-1].ok, photos[-1].error_description
                    label = "first (imports matplotlib)" if attempt == 0 else "again"
                    print(
                        f"/stats {label}: {texts[-1].at - begun:.2f} s to the text, "
                        f"{elapsed:.2f} s to the chart; "
                        f"peak RSS {peak_mb(process.pid):.1f} MB"
                    )
                text = next(m.text for m in reversed(facilitator.inbox()) if not m.photo)
                print("\n" + text)
    finally:
        await server.stop()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)


def main(args: argparse.Namespace) -> None:
    asyncio.run(measure(args.members, args.repeats))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    main(parser.parse_args())
