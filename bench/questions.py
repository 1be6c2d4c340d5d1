"""Questions at scale.

1. ``/faq`` search (``bench/search.py``): 100,000 answered questions in six languages; p50/p99
   of today's prefix search and of the stemmed one (aim p99 < 10 ms), ``similar()``, both
   indexes' sizes, the migration's time to index every row, and the recall table (top 3 of 60
   teacher-typed queries, today's index and the stemmed one side by side).
2. Asking: a hub of 10,000 members, the bot in its own process against the fake server here;
   members send ``/ask <text>`` at a steady rate and each gets the draft back: questions handled
   per second in a burst, and p50/p99 from update to reply at the steady rate.
3. Voting: 10,000 members toggling "me too" on 100 open questions through the service (one
   transaction each): votes per second and p99.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from pathlib import Path

from bench import search
from bench.common import ReplyClock, bot_config, hub_database, percentile_ms, running
from bench.delivery import FIRST_MEMBER_ID
from bot.db import Database, to_db_time, utcnow
from bot.db.questions import QuestionRepository
from tests.fakebot import FakeTelegram


async def votes(members: int, questions: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(Path(tmp) / "votes.sqlite3")
        await db.open()
        now = to_db_time(utcnow())
        async with db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO users (id, first_name, created_at, updated_at) VALUES (?, 'M', ?, ?)",
                ((i, now, now) for i in range(1, members + 1)),
            )
            await conn.execute(
                """INSERT INTO hubs (id, name, code, chat_id, timezone, locale, created_at)
                   VALUES (1, 'Hub', 'VOTEBNCH', -1, 'UTC', 'en', ?)""",
                (now,),
            )
            await conn.executemany(
                """INSERT INTO questions (hub_id, asker_id, text, status, created_at, updated_at)
                   VALUES (1, 1, 'q', 'open', ?, ?)""",
                ((now, now) for _ in range(questions)),
            )
        repo = QuestionRepository(db)
        rng = random.Random(3)
        timings = []
        started = time.perf_counter()
        for member in range(1, members + 1):
            t0 = time.perf_counter()
            await repo.toggle_vote(rng.randint(1, questions), member)
            timings.append(time.perf_counter() - t0)
        rate = members / (time.perf_counter() - started)
        await db.close()
    return rate, percentile_ms(timings, 0.99)


async def asking(members: int, burst: int, steady: int, rate: float) -> tuple[float, float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        config = bot_config(Path(tmp), 100_000)
        server = FakeTelegram()
        await server.start()
        people = [server.user(f"Member {i}", user_id=FIRST_MEMBER_ID + i) for i in range(members)]
        for person in people:
            person.started = True
        hub_database(config, members, FIRST_MEMBER_ID, 1_000)
        clock = ReplyClock()
        server.call_listeners.append(clock)
        try:
            async with running(server, env={"BOT_CONFIG": str(config)}):
                started = time.monotonic()
                for i in range(burst):
                    clock.offered(people[i % members].id)
                    people[i % members].post(f"/ask Burst question {i} about feedback")
                await server.wait_for(lambda: clock.replies >= burst, timeout=300)
                handled = burst / (time.monotonic() - started)
                clock.latencies.clear()
                t0 = time.monotonic()
                for i in range(steady):
                    await asyncio.sleep(max(0.0, t0 + i / rate - time.monotonic()))
                    person = people[(burst + i) % members]
                    clock.offered(person.id)
                    person.post(f"/ask Steady question {i} about observation")
                await server.wait_for(lambda: clock.replies >= burst + steady, timeout=300)
        finally:
            await server.stop()
    return handled, percentile_ms(clock.latencies, 0.5), percentile_ms(clock.latencies, 0.99)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--answered", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=1_000)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--burst", type=int, default=2_000)
    parser.add_argument("--steady", type=int, default=1_000)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--only-search", action="store_true", help="the /faq figures only")


def main(args: argparse.Namespace) -> None:
    print("measuring /faq search …", file=sys.stderr)
    figures = asyncio.run(search.measure(args.answered, args.searches))
    if args.only_search:
        print("\n".join(search.report(figures, args.answered)))
        return
    print("measuring /ask through the bot …", file=sys.stderr)
    handled, ask_p50, ask_p99 = asyncio.run(
        asking(args.members, args.burst, args.steady, args.rate)
    )
    print("measuring votes …", file=sys.stderr)
    vote_rate, vote_p99 = asyncio.run(votes(args.members, 100))
    print()
    print(f"{'measure':<52} {'value':>12}")
    print("-" * 65)
    print(
        f"{f'/ask, {args.members} members, burst of {args.burst}: handled/s':<52} {handled:>12.0f}"
    )
    print(f"{f'/ask at {args.rate:g}/s: p50 update to reply':<52} {ask_p50:>10.1f}ms")
    print(f"{f'/ask at {args.rate:g}/s: p99 update to reply':<52} {ask_p99:>10.1f}ms")
    print(f"{f'me-too toggles by {args.members} members: votes/s':<52} {vote_rate:>12.0f}")
    print(f"{'me-too toggle: p99':<52} {vote_p99:>10.2f}ms")
    print()
    print("\n".join(search.report(figures, args.answered)))
