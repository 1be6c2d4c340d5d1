"""Migration 0014's Python step: stem every answered question into questions_search."""

import logging

import aiosqlite

from bot.db.questions import index_all


async def migrate(conn: aiosqlite.Connection) -> None:
    done = await index_all(conn)
    logging.getLogger("bot.db.migrate").info("indexed %d answered questions for search", done)
