"""RSVP presses at scale: 1,000 members press Going / Maybe / Can't on a meeting's group post.

The real Application runs in this process against the fake Bot API, with Telegram's limits (20
messages a minute in a group, edits included) and the default edit pacing of the group post. Every
member presses in one burst, without waiting for the bot: presses handled per second, the p50 and
p99 from the press to the bot's answerCallbackQuery, and how many edits of the group post the
burst cost (the counts stay current through coalesced edits, never one per press).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import percentile_ms
from bot.app import ALLOWED_UPDATES, build_application
from bot.clock import MovableClock
from bot.config import config_from_mapping
from bot.db import to_db_time
from tests.fakebot import ApiCall, FakeTelegram

ADMIN = 999
FIRST_MEMBER = 10_000_000


class Presses:
    """Times each press from its update to the bot's answer."""

    def __init__(self) -> None:
        self.pushed: dict[str, float] = {}
        self.latencies: list[float] = []
        self.edits = 0
        self.refused = 0

    def __call__(self, call: ApiCall) -> None:
        if call.method == "answerCallbackQuery":
            started = self.pushed.pop(str(call.params.get("callback_query_id")), None)
            if started is not None:
                self.latencies.append(call.at - started)
        elif call.method == "editMessageText" and call.ok:
            self.edits += 1
        if call.error_code is not None and 400 <= call.error_code < 500:
            self.refused += 1


async def burst(members: int) -> dict[str, float]:
    server = FakeTelegram()
    await server.start()
    with tempfile.TemporaryDirectory() as tmp:
        config = config_from_mapping(
            {
                "telegram": {
                    "token": server.token,
                    "api_base_url": server.api_root,
                    "poll_timeout": 5,
                },
                "database": {"path": str(Path(tmp) / "bench.sqlite3")},
                "access": {"admins": [ADMIN], "group_admins_can_create_hubs": True},
                "defaults": {"timezone": "Asia/Jerusalem"},
            },
            {},
        )
        clock = MovableClock(datetime.now(UTC))
        app = build_application(config, clock=clock)
        await app.initialize()
        assert app.post_init is not None and app.updater is not None
        await app.post_init(app)
        await app.updater.start_polling(poll_interval=0, timeout=5, allowed_updates=ALLOWED_UPDATES)
        await app.start()
        services = app.bot_data.services
        server.settle_hooks += [app.update_queue.join, services.delivery.idle]
        try:
            owner = server.user("Olga")
            group = server.group("Teachers", creator=owner)
            await group.add_bot(by=owner)
            await owner.send("/newhub Bench hub", chat=group)
            hub = (await services.access.facilitated_hubs(owner.id))[0]
            people = [server.user(f"M{i}", user_id=FIRST_MEMBER + i) for i in range(members)]
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
                    [(hub.id, p.id, "member", now) for p in people],
                )
            for person in people:
                group.add_member(person)
                person.started = True
            start = (clock.now() + timedelta(days=2)).astimezone().replace(tzinfo=None)
            await services.meetings.create(
                hub_id=hub.id,
                author_id=owner.id,
                title="Q&A session",
                place="https://meet.example.org/qa",
                starts_local=start.replace(second=0, microsecond=0),
                duration=timedelta(hours=1),
            )
            print("sending the invitations …", file=sys.stderr)
            await server.wait_for(lambda: "Q&A" in group.last().text, timeout=600)
            await server.settle(timeout=600)
            post = group.last()
            presses = Presses()
            server.call_listeners.append(presses)
            letters = "yymn"
            started = time.monotonic()
            for index, person in enumerate(people):
                query_id = server._new_callback_query()
                presses.pushed[query_id] = time.monotonic()
                server._push_update(
                    "callback_query",
                    {
                        "id": query_id,
                        "from": person.to_json(),
                        "message": post.to_json(),
                        "chat_instance": str(post.chat_id * 7919 + 104729),
                        "data": f"mt:r:1:{letters[index % 4]}",
                    },
                )
            await server.wait_for(lambda: len(presses.latencies) >= members, timeout=600)
            elapsed = time.monotonic() - started
            await services.meetings.posts.idle()
            counts = await services.meetings.counts(1)
            assert counts.yes + counts.maybe + counts.no == members, counts
            assert f"Going: {counts.yes}" in post.text, post.text
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
        "p50": percentile_ms(presses.latencies, 0.5),
        "p99": percentile_ms(presses.latencies, 0.99),
        "edits": presses.edits,
        "seconds": elapsed,
        "refused": presses.refused,
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--members", type=int, default=1_000)


def main(args: argparse.Namespace) -> None:
    print(f"{args.members} members press RSVP on the group post …", file=sys.stderr)
    result = asyncio.run(burst(args.members))
    print()
    print(f"{'measure':<52} {'value':>12}")
    print("-" * 65)
    print(f"{f'RSVP burst of {args.members}: presses handled/s':<52} {result['handled']:>12.0f}")
    print(f"{'RSVP press to answer: p50':<52} {result['p50']:>10.1f}ms")
    print(f"{'RSVP press to answer: p99':<52} {result['p99']:>10.1f}ms")
    print(f"{'burst duration':<52} {result['seconds']:>11.1f}s")
    print(f"{'group-post edits the burst cost':<52} {result['edits']:>12}")
    print(f"{'requests Telegram refused (4xx)':<52} {result['refused']:>12}")
