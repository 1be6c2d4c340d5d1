"""Surveys at scale: opening to 10,000 members, answering, and closing at the deadline.

``python -m bench.surveys [--members 10000]``. The services run on a real database (no Telegram:
the invitations stay in the outbox): how long opening holds the write lock while it writes the
invited list and one invitation per member, the p50/p99 of an answer and of a submit while
members answer concurrently, and how long the deadline's close takes to turn the drafts of those
who did not finish into incomplete responses.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import percentile_ms
from bot.app import build_application
from bot.clock import MovableClock
from bot.config import config_from_mapping
from bot.db import to_db_time
from bot.services.survey_types import QuestionDraft

FIRST_MEMBER = 10_000_000
QUESTIONS = (
    QuestionDraft("single", "How often do you meet your mentor?", ("Weekly", "Monthly", "Rarely")),
    QuestionDraft("multiple", "What helps you most?", ("Observation", "Feedback", "Co-planning")),
    QuestionDraft("scale", "How confident do you feel in class?"),
    QuestionDraft("text", "What should we change?"),
)
ZONES = ("Europe/Chisinau", "Asia/Jerusalem", "Europe/Bucharest", "Asia/Tokyo")
LOCALES = ("en", "ru", "he", "ro")


async def run(members: int, answering: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        config = config_from_mapping(
            {
                "telegram": {"token": "1:bench", "api_base_url": "http://127.0.0.1:9/bot"},
                "database": {"path": str(Path(tmp) / "bench.sqlite3")},
                "defaults": {"timezone": "Europe/Chisinau"},
            },
            {},
        )
        start = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
        clock = MovableClock(start)
        app = build_application(config, clock=clock)
        services = app.bot_data.services
        await services.db.open()
        try:
            now = to_db_time(start)
            async with services.db.transaction() as conn:
                cursor = await conn.execute(
                    """INSERT INTO hubs (name, code, timezone, locale, created_at)
                       VALUES ('Bench hub', 'BENCH1', 'Europe/Chisinau', 'en', ?)""",
                    (now,),
                )
                hub_id = cursor.lastrowid
                await conn.executemany(
                    """INSERT INTO users (id, first_name, language_code, locale, timezone,
                       started_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                    [
                        (
                            FIRST_MEMBER + i,
                            f"M{i}",
                            *([LOCALES[i % 4]] * 2),
                            ZONES[i % 4],
                            now,
                            now,
                            now,
                        )
                        for i in range(members)
                    ],
                )
                await conn.executemany(
                    """INSERT INTO memberships (hub_id, user_id, role, joined_at)
                       VALUES (?, ?, 'member', ?)""",
                    [(hub_id, FIRST_MEMBER + i, now) for i in range(members)],
                )
            began = time.monotonic()
            view = await services.surveys.create(
                author_id=FIRST_MEMBER,
                hub_id=hub_id,
                title="Bench survey",
                questions=QUESTIONS,
                anonymous=True,
                opens_at=start,
                closes_at=start + timedelta(days=3),
            )
            opened = time.monotonic() - began
            invites = await services.db.fetch_value(
                "SELECT COUNT(*) FROM outbox WHERE kind = 'survey_invite'"
            )
            assert invites == members, invites
            answer_times: list[float] = []
            submit_times: list[float] = []
            q = view.questions

            async def member(i: int) -> None:
                user = FIRST_MEMBER + i
                for question, value in (
                    (q[0].id, i % 3),
                    (q[2].id, 1 + i % 5),
                    (q[3].id, f"Answer number {i}"),
                ):
                    began = time.monotonic()
                    await services.surveys.answer(view.id, user, question, value)
                    answer_times.append(time.monotonic() - began)
                began = time.monotonic()
                await services.surveys.toggle(view.id, user, q[1].id, i % 3)
                answer_times.append(time.monotonic() - began)
                if i % 2 == 0:  # half submit, half leave drafts for the deadline
                    began = time.monotonic()
                    await services.surveys.submit(view.id, user)
                    submit_times.append(time.monotonic() - began)

            people = list(range(answering))
            random.shuffle(people)
            began = time.monotonic()
            await asyncio.gather(*(member(i) for i in people))
            answered = time.monotonic() - began
            clock.set(start + timedelta(days=3, minutes=1))
            began = time.monotonic()
            await services.scheduler.run_due()
            closed = time.monotonic() - began
            progress = await services.surveys.progress(view.id)
            assert progress.finished == len(submit_times), progress
        finally:
            await services.db.close()
    return {
        "opened": opened,
        "answer_p50": percentile_ms(answer_times, 0.5),
        "answer_p99": percentile_ms(answer_times, 0.99),
        "submit_p50": percentile_ms(submit_times, 0.5),
        "submit_p99": percentile_ms(submit_times, 0.99),
        "answers_per_s": (len(answer_times) + len(submit_times)) / answered,
        "closed": closed,
        "incomplete": answering - len(submit_times),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.surveys")
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--answering", type=int, default=1_000)
    args = parser.parse_args()
    print(f"a survey to {args.members} members, {args.answering} answering …", file=sys.stderr)
    r = asyncio.run(run(args.members, args.answering))
    print(f"{'measure':<56} {'value':>10}")
    print("-" * 67)
    print(f"{f'open: invite {args.members} (one transaction)':<56} {r['opened']:>9.2f}s")
    print(f"{'answer (one question): p50':<56} {r['answer_p50']:>8.1f}ms")
    print(f"{'answer (one question): p99':<56} {r['answer_p99']:>8.1f}ms")
    print(f"{'submit: p50':<56} {r['submit_p50']:>8.1f}ms")
    print(f"{'submit: p99':<56} {r['submit_p99']:>8.1f}ms")
    print(f"{'answers and submits per second (concurrent)':<56} {r['answers_per_s']:>10.0f}")
    close_label = f"close at the deadline ({r['incomplete']:.0f} drafts → incomplete)"
    print(f"{close_label:<56} {r['closed']:>9.2f}s")


if __name__ == "__main__":
    main()
