"""Numbered SQL migrations, applied in order and recorded in ``PRAGMA user_version``.

A migration may have a Python step beside its SQL (``0014_search.py`` next to
``0014_search.sql``), for work SQL cannot do, such as stemming existing rows: a module with
``async def migrate(conn)``, run right after the SQL in the same transaction. Numbers still run
1..n without gaps, counted over the SQL files.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterable
from importlib import resources

import aiosqlite

log = logging.getLogger(__name__)
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_STEP = re.compile(r"^(\d{4})_[a-z0-9_]+\.py$")

Step = Callable[[aiosqlite.Connection], Awaitable[None]]


def migration_scripts() -> list[tuple[int, str, str]]:
    """Return (version, file name, SQL) for every migration, in order; versions must be 1..n."""
    found = []
    for entry in resources.files("bot.db").joinpath("migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [version for version, _, _ in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migration numbers must run 1..n without gaps, found {versions}")
    return found


def step_versions(names: Iterable[str], sql: dict[int, str]) -> dict[int, str]:
    """The Python steps among these file names, by version; ``sql`` is each version's SQL file.

    A step must sit beside the SQL of its own migration (same number, same name), one per
    number: anything else is a mistake the loader refuses rather than runs or skips.
    """
    steps: dict[int, str] = {}
    for name in sorted(names):
        match = _STEP.match(name)
        if not match:
            continue
        version = int(match.group(1))
        if version in steps:
            raise RuntimeError(f"two Python steps for migration {match.group(1)}: {name}")
        if sql.get(version) != f"{name[:-3]}.sql":
            raise RuntimeError(f"{name} has no SQL migration of its own ({name[:-3]}.sql)")
        steps[version] = name
    return steps


def python_steps() -> dict[int, Step]:
    """The Python steps by version: each file's ``migrate`` coroutine function."""
    steps: dict[int, Step] = {}
    folder = resources.files("bot.db").joinpath("migrations")
    sql = {version: name for version, name, _ in migration_scripts()}
    names = step_versions([entry.name for entry in folder.iterdir()], sql)
    for entry in folder.iterdir():
        match = _STEP.match(entry.name)
        if match and entry.name in names.values():
            namespace: dict[str, object] = {"__name__": f"bot.db.migrations.{entry.name[:-3]}"}
            exec(compile(entry.read_text(encoding="utf-8"), entry.name, "exec"), namespace)  # noqa: S102 - our own package file
            step = namespace.get("migrate")
            if not callable(step):
                raise RuntimeError(f"{entry.name} has no migrate(conn)")
            steps[int(match.group(1))] = step  # type: ignore[assignment]
    return steps


async def schema_version(conn: aiosqlite.Connection) -> int:
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def apply_migrations(conn: aiosqlite.Connection, target: int | None = None) -> int:
    """Bring the schema up to ``target`` (default: the newest); return the resulting version.

    Each migration (its SQL, its Python step if any) and its version bump run in one
    transaction, so a failure leaves the database at the previous version rather than
    half-migrated.
    """
    current = await schema_version(conn)
    scripts = migration_scripts()
    newest = len(scripts) if target is None else target
    if current > len(scripts):
        raise RuntimeError(
            f"database schema version {current} is newer than this code knows ({len(scripts)})"
        )
    steps = python_steps() if current < newest else {}
    for version, name, sql in scripts:
        if current < version <= newest:
            log.info("applying migration %s", name)
            try:
                step = steps.get(version)
                if step is None:
                    await conn.executescript(
                        f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {version};\nCOMMIT;"
                    )
                else:
                    await conn.executescript(f"BEGIN IMMEDIATE;\n{sql}")
                    await step(conn)
                    await conn.execute(f"PRAGMA user_version = {version}")
                    await conn.execute("COMMIT")
            except Exception:
                if conn.in_transaction:
                    await conn.execute("ROLLBACK")
                raise
            current = version
    return current
