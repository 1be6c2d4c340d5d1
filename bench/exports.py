"""/export of a big hub: 10,000 members and a year of activity, through the real bot.

``python -m bench exports [--members 10000]``. The bot runs as its own process against the fake
Bot API; a facilitator sends /export; the figures are the time from the command to the
sendDocument call, the bot's peak resident memory (VmHWM) idle before and after, and the ZIP's
size. A year of activity, written straight into the database: 3,000 questions (a third
anonymous), 52 announcements to every member (520,000 outbox rows), 52 meetings with 4,000 RSVPs
and 3,000 attendance marks each, 104 polls (half named, 5,000 votes each), two weekly prompts
sent to every member (1,040,000 prompt sends) and 4 surveys to every member.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import sqlite3
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import bot_config, hub_database, peak_mb, running
from tests.fakebot import ApiCall, FakeTelegram

FIRST_MEMBER = 20_000_000
FACILITATOR = 1_000
WEEKS = 52
START = datetime(2025, 12, 1, 8, 0, tzinfo=UTC)


def _t(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def year_of_activity(path: Path, members: int) -> int:
    """Write a year of a hub's life; return the number of rows written."""
    ids = [FIRST_MEMBER + i for i in range(members)]
    written = 0
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE hubs SET timezone = 'Europe/Chisinau'")
        questions = []
        for i in range(3_000):
            at = _t(START + timedelta(hours=i * 3))
            answered = i % 3 != 0
            questions.append(
                (
                    ids[i % members],
                    int(i % 3 == 1),
                    f'Question {i}: how do I keep a class of 30, with "quotes", calm? ' * 2,
                    "answered" if answered else "open",
                    f"=Answer {i}, with a formula start and a comma" if answered else None,
                    FACILITATOR if answered else None,
                    at if answered else None,
                    at,
                    at,
                )
            )
        conn.executemany(
            """INSERT INTO questions (hub_id, asker_id, anonymous, text, status, answer,
               answered_by, answered_at, created_at, updated_at)
               VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            questions,
        )
        written += len(questions)
        statuses = ("sent",) * 17 + ("blocked", "not_started", "failed")
        for week in range(WEEKS):
            at = _t(START + timedelta(weeks=week))
            cursor = conn.execute(
                """INSERT INTO broadcasts (hub_id, sender_id, text, status, created_at, sent_at)
                   VALUES (1, ?, ?, 'done', ?, ?)""",
                (FACILITATOR, f"Announcement of week {week}: see you on Thursday!", at, at),
            )
            conn.executemany(
                """INSERT INTO outbox (key, chat_id, user_id, kind, ref_id, text, status,
                   not_before, created_at, updated_at)
                   VALUES (?, ?, ?, 'broadcast', ?, 'x', ?, ?, ?, ?)""",
                (
                    (
                        f"b{cursor.lastrowid}:{uid}",
                        uid,
                        uid,
                        cursor.lastrowid,
                        statuses[uid % 20],
                        at,
                        at,
                        at,
                    )
                    for uid in ids
                ),
            )
            written += members
            starts = _t(START + timedelta(weeks=week, hours=8))
            meeting = conn.execute(
                """INSERT INTO meetings (hub_id, author_id, title, place, timezone,
                   duration_minutes, uid, created_at, updated_at)
                   VALUES (1, ?, ?, 'Room 12', 'Europe/Chisinau', 90, ?, ?, ?)""",
                (FACILITATOR, f"Peer observation, week {week}", f"bench-{week}", at, at),
            ).lastrowid
            occurrence = conn.execute(
                """INSERT INTO meeting_occurrences (meeting_id, starts_local, starts_at,
                   original_start, attendance_at) VALUES (?, '2026-01-01 18:00', ?, ?, ?)""",
                (meeting, starts, starts, starts),
            ).lastrowid
            answers = ("yes", "maybe", "no", "yes")
            conn.executemany(
                "INSERT INTO meeting_rsvps VALUES (?, ?, ?, ?)",
                ((occurrence, uid, answers[uid % 4], at) for uid in ids[:4_000]),
            )
            conn.executemany(
                "INSERT INTO meeting_attendance VALUES (?, ?, ?)",
                ((occurrence, uid, uid % 5 != 0) for uid in ids[:3_000]),
            )
            written += 7_000
            for anonymous in (0, 1):
                poll = conn.execute(
                    """INSERT INTO polls (hub_id, author_id, question, options, anonymous,
                       multiple, private, status, created_at, closed_at)
                       VALUES (1, ?, ?, ?, ?, 0, 0, 'closed', ?, ?)""",
                    (
                        FACILITATOR,
                        f"Which day, week {week}?",
                        json.dumps(["Monday", "Wednesday", "Friday"]),
                        anonymous,
                        at,
                        at,
                    ),
                ).lastrowid
                if anonymous:
                    conn.execute(
                        """INSERT INTO poll_messages (poll_id, chat_id, message_id, tg_poll_id,
                           counts, total) VALUES (?, -1, ?, ?, '[100, 200, 300]', 600)""",
                        (poll, poll, f"tg{poll}"),
                    )
                else:
                    conn.executemany(
                        "INSERT INTO poll_votes VALUES (?, ?, ?, ?)",
                        ((poll, uid, f"[{uid % 3}]", at) for uid in ids[:5_000]),
                    )
                    written += 5_000
        prompts = [
            conn.execute(
                """INSERT INTO prompts (hub_id, author_id, text, created_at)
                   VALUES (1, ?, ?, ?)""",
                (FACILITATOR, text, _t(START)),
            ).lastrowid
            for text in ("What surprised you this week?", "What will you try next week?")
        ]
        sends = ("answered", "sent", "sent", "skipped")
        for week in range(WEEKS):
            day = (START + timedelta(weeks=week)).strftime("%Y-%m-%d")
            at = _t(START + timedelta(weeks=week))
            for prompt in prompts:
                conn.executemany(
                    """INSERT INTO prompt_sends (prompt_id, user_id, occurrence, sent_at, status)
                       VALUES (?, ?, ?, ?, ?)""",
                    ((prompt, uid, day, at, sends[uid % 4]) for uid in ids),
                )
                written += members
        for number in range(4):
            at = _t(START + timedelta(weeks=number * 12))
            survey = conn.execute(
                """INSERT INTO surveys (hub_id, author_id, title, anonymous, opens_at, closes_at,
                   status, created_at) VALUES (1, ?, ?, ?, ?, ?, 'closed', ?)""",
                (FACILITATOR, f"Wellbeing, term {number}", number % 2, at, at, at),
            ).lastrowid
            conn.executemany(
                "INSERT INTO survey_participants VALUES (?, ?, ?)",
                ((survey, uid, uid % 2) for uid in ids),
            )
            written += members
    return written


async def measure(members: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        config = bot_config(Path(tmp), 100_000)
        server = FakeTelegram()
        await server.start()
        fatima = server.user("Fatima", user_id=FACILITATOR)
        fatima.started = True
        hub_database(config, members, FIRST_MEMBER, FACILITATOR)
        t0 = time.perf_counter()
        rows = year_of_activity(config.parent / "bench.sqlite3", members)
        seeded = time.perf_counter() - t0
        sent: list[float] = []

        def listen(call: ApiCall) -> None:
            if call.method == "sendDocument" and call.ok:
                sent.append(time.monotonic())

        server.call_listeners.append(listen)
        try:
            async with running(server, env={"BOT_CONFIG": str(config)}) as process:
                await fatima.send("/help")  # the bot has warmed up and answered once
                idle = peak_mb(process.pid)
                started = time.monotonic()
                fatima.post("/export")
                await server.wait_for(lambda: bool(sent), timeout=300)
                took = sent[0] - started
                peak = peak_mb(process.pid)
                await server.settle()
                [document] = [m for m in fatima.inbox() if m.document]
                data = document.file_bytes or b""
                with zipfile.ZipFile(io.BytesIO(data)) as zf:
                    unpacked = sum(info.file_size for info in zf.infolist())
        finally:
            await server.stop()
    return {
        "rows": rows,
        "seeded": seeded,
        "seconds": took,
        "idle_mb": idle,
        "peak_mb": peak,
        "zip_mb": len(data) / 1024 / 1024,
        "csv_mb": unpacked / 1024 / 1024,
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--members", type=int, default=10_000)


def main(args: argparse.Namespace) -> None:
    print(f"seeding a hub of {args.members} members with a year of activity …", file=sys.stderr)
    figures = asyncio.run(measure(args.members))
    print()
    print(f"{'measure':<52} {'value':>12}")
    print("-" * 65)
    print(f"{'activity rows in the database':<52} {figures['rows']:>12,.0f}")
    print(
        f"{f'/export, {args.members} members: command to sendDocument':<52} "
        f"{figures['seconds']:>11.2f}s"
    )
    print(f"{'bot peak RSS before /export (idle, after /help)':<52} {figures['idle_mb']:>10.1f}MB")
    print(f"{'bot peak RSS after /export':<52} {figures['peak_mb']:>10.1f}MB")
    print(f"{'ZIP size':<52} {figures['zip_mb']:>10.2f}MB")
    print(f"{'CSV files unpacked':<52} {figures['csv_mb']:>10.2f}MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.exports")
    add_arguments(parser)
    main(parser.parse_args())
