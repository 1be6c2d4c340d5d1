"""Quick polls at scale: 10,000 poll_answer updates in a burst; a private poll's fan-out.

The real Application runs in this process against the fake Bot API. Every vote arrives as a
``poll_answer`` update in one burst (as Telegram delivers them when a large group votes at once):
answers handled per second and the p50/p99 from the update entering the fake to the answer being
recorded in the database, then that /results counts every vote.

The fan-out: a named poll sent privately to every member goes through the durable send queue
(``poll_sends``) drained by the poll sender. With the pace set far above Telegram's (1,000/s
instead of 30/s) the figure is the sender's own ceiling: how long ``create`` takes to return (it
writes the rows, it sends nothing itself) and the sends per second; then /closepoll, the stops
and the results.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import percentile_ms
from bot.app import ALLOWED_UPDATES, build_application
from bot.clock import MovableClock
from bot.config import config_from_mapping
from bot.db import to_db_time
from tests.fakebot import FakeTelegram

ADMIN = 999
FIRST_MEMBER = 10_000_000


def _config(server: FakeTelegram, tmp: str, **delivery: float) -> Any:
    return config_from_mapping(
        {
            "telegram": {
                "token": server.token,
                "api_base_url": server.api_root,
                "poll_timeout": 5,
            },
            "database": {"path": str(Path(tmp) / "bench.sqlite3")},
            "access": {"admins": [ADMIN], "group_admins_can_create_hubs": True},
            "defaults": {"timezone": "Asia/Jerusalem"},
            "delivery": dict(delivery),
        },
        {},
    )


async def _members(services: Any, hub_id: int, people: Sequence[Any]) -> None:
    now = to_db_time(datetime.now(UTC))
    async with services.db.transaction() as conn:
        await conn.executemany(
            """INSERT INTO users (id, first_name, language_code, started_at, created_at,
               updated_at) VALUES (?, ?, 'en', ?, ?, ?)""",
            [(p.id, p.first_name, now, now, now) for p in people],
        )
        await conn.executemany(
            """INSERT INTO memberships (hub_id, user_id, role, joined_at)
               VALUES (?, ?, ?, ?)""",
            [(hub_id, p.id, "member", now) for p in people],
        )


async def burst(members: int) -> dict[str, float]:
    server = FakeTelegram()
    await server.start()
    with tempfile.TemporaryDirectory() as tmp:
        config = _config(server, tmp)
        clock = MovableClock(datetime.now(UTC))
        app = build_application(config, clock=clock)
        await app.initialize()
        assert app.post_init is not None and app.updater is not None
        await app.post_init(app)
        await app.updater.start_polling(poll_interval=0, timeout=5, allowed_updates=ALLOWED_UPDATES)
        await app.start()
        services = app.bot_data.services
        server.settle_hooks += [app.update_queue.join, services.delivery.idle]
        pushed: dict[int, float] = {}
        latencies: list[float] = []
        try:
            owner = server.user("Olga")
            group = server.group("Teachers", creator=owner)
            await group.add_bot(by=owner)
            await owner.send("/newhub Bench hub", chat=group)
            hub = (await services.access.facilitated_hubs(owner.id))[0]
            people = [server.user(f"M{i}", user_id=FIRST_MEMBER + i) for i in range(members)]
            await _members(services, hub.id, people)
            view = await services.polls.create(
                hub_id=hub.id,
                author_id=owner.id,
                question="Which day suits you?",
                options=["Mon", "Wed", "Thu"],
                anonymous=False,
            )
            [message] = [m for m in group.inbox() if m.poll is not None]
            assert message.poll is not None
            poll_id = message.poll["id"]

            record = services.polls.record_answer

            async def timed(tg_poll_id: str, user_id: int, option_ids: Sequence[int]) -> bool:
                done = await record(tg_poll_id, user_id, option_ids)
                started = pushed.pop(user_id, None)
                if started is not None:
                    latencies.append(time.monotonic() - started)
                return done

            services.polls.record_answer = timed  # type: ignore[method-assign]
            started = time.monotonic()
            for index, person in enumerate(people):
                pushed[person.id] = time.monotonic()
                server._push_update(
                    "poll_answer",
                    {
                        "poll_id": poll_id,
                        "user": person.to_json(),
                        "option_ids": [index % 3],
                        "option_persistent_ids": [str(index % 3)],
                    },
                )
            await server.wait_for(lambda: len(latencies) >= members, timeout=900)
            elapsed = time.monotonic() - started
            results = await services.polls.results(view.id)
            assert results.total == members, results.total
        finally:
            await app.updater.stop()
            await app.stop()
            assert app.post_stop is not None and app.post_shutdown is not None
            await app.post_stop(app)
            await app.shutdown()
            await app.post_shutdown(app)
            await server.stop()
    return {
        "handled": members / elapsed,
        "p50": percentile_ms(latencies, 0.5),
        "p99": percentile_ms(latencies, 0.99),
        "seconds": elapsed,
    }


async def fanout(members: int) -> dict[str, float]:
    """A named poll sent privately to ``members`` members, then closed."""
    server = FakeTelegram()
    await server.start()
    with tempfile.TemporaryDirectory() as tmp:
        config = _config(server, tmp, messages_per_second=1000, private_chat_per_second=1000)
        clock = MovableClock(datetime.now(UTC))
        app = build_application(config, clock=clock)
        await app.initialize()
        assert app.post_init is not None
        await app.post_init(app)
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=5, allowed_updates=ALLOWED_UPDATES)
        await app.start()
        services = app.bot_data.services
        server.settle_hooks += [app.update_queue.join, services.delivery.idle]
        try:
            owner = server.user("Olga")
            group = server.group("Teachers", creator=owner)
            await group.add_bot(by=owner)
            owner.started = True
            people = [server.user(f"M{i}", user_id=FIRST_MEMBER + i) for i in range(members)]
            for person in people:
                person.started = True  # they opened the private chat (the join deep link)
            await owner.send("/newhub Bench hub", chat=group)
            hub_id = (await services.access.facilitated_hubs(owner.id))[0].id
            await _members(services, hub_id, people)
            started = time.monotonic()
            view = await services.polls.create(
                hub_id=hub_id,
                author_id=owner.id,
                question="Which day suits you?",
                options=["Mon", "Wed", "Thu"],
                anonymous=False,
                private=True,
            )
            returned = time.monotonic() - started
            await services.polls.drain()
            sent_in = time.monotonic() - started
            sent = len(server.calls_of("sendPoll"))
            started = time.monotonic()
            await services.polls.close(view.id)
            closed_in = time.monotonic() - started
            await services.polls.drain()
            stopped_in = time.monotonic() - started
            stops = len(server.calls_of("stopPoll"))
        finally:
            await app.updater.stop()
            await app.stop()
            assert app.post_stop is not None and app.post_shutdown is not None
            await app.post_stop(app)
            await app.shutdown()
            await app.post_shutdown(app)
            await server.stop()
    return {
        "sent": sent,
        "create_ms": returned * 1000,
        "sends_per_second": sent / sent_in,
        "close_ms": closed_in * 1000,
        "stops_per_second": stops / stopped_in,
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--fanout", type=int, default=2_000, help="members of the private poll")


def main(args: argparse.Namespace) -> None:
    print(f"{args.members} poll_answer updates in a burst …", file=sys.stderr)
    result = asyncio.run(burst(args.members))
    print()
    print(f"{'measure':<52} {'value':>12}")
    print("-" * 65)
    print(f"{f'poll_answer burst of {args.members}: handled/s':<52} {result['handled']:>12.0f}")
    print(f"{'update to answer recorded: p50':<52} {result['p50']:>10.1f}ms")
    print(f"{'update to answer recorded: p99':<52} {result['p99']:>10.1f}ms")
    print(f"{'burst duration':<52} {result['seconds']:>11.1f}s")
    print(f"private poll to {args.fanout} members …", file=sys.stderr)
    sent = asyncio.run(fanout(args.fanout))
    print(f"{f'private poll to {args.fanout}: sendPoll made':<52} {sent['sent']:>12.0f}")
    print(f"{'create() returned after (the sends are queued)':<52} {sent['create_ms']:>10.1f}ms")
    print(f"{'poll sender: sends/s (paced at 1000/s)':<52} {sent['sends_per_second']:>12.0f}")
    print(f"{'close() returned after (the stops are queued)':<52} {sent['close_ms']:>10.1f}ms")
    print(
        f"{'poll sender: stops/s, then the results queued':<52} {sent['stops_per_second']:>12.0f}"
    )
