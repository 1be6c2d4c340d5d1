"""The stemmed search at scale (part of ``python -m bench questions``).

An archive of 100,000 answered questions in six languages (ten hubs per language), built at the
schema version before the stemmed index, then migrated: the time the migration takes to stem and
index every row, the size of today's index (questions_fts) and of the new one (questions_search),
/faq p50/p99 on both, similar() p50/p99, and the recall table of ``bench/search_pairs.py``: how
many of the 60 expected questions each index finds in its top 3.

The archive's words follow Zipf's law: the pairs' own words (every inflection the pairs use) are
the common ones, then 3,000 random words per language; the 60 real questions sit at random places
among the others, so the newest-300 window of /faq does not favour them.
"""

from __future__ import annotations

import itertools
import random
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiosqlite

from bench.common import percentile_ms
from bench.search_pairs import ALPHABETS, PAIRS
from bot.db import Database, to_db_time, utcnow
from bot.db.migrate import apply_migrations, migration_scripts
from bot.db.questions import QuestionRepository, index_all
from bot.search_terms import content_words
from bot.services.search import SearchService

HUBS_PER_LANGUAGE = 10


@dataclass
class Figures:
    migrate_seconds: float = 0.0
    old_index_mb: float = 0.0
    new_index_mb: float = 0.0
    new_content_mb: float = 0.0
    old_p50: float = 0.0
    old_p99: float = 0.0
    new_p50: float = 0.0
    new_p99: float = 0.0
    similar_p50: float = 0.0
    similar_p99: float = 0.0
    long_p50: float = 0.0  # similar() over 2,000 answers of ~400 words
    long_p99: float = 0.0
    recall: dict[str, tuple[int, int]] = field(default_factory=dict)  # language: (old, new)
    misses: list[str] = field(default_factory=list)


def _vocabulary(rng: random.Random) -> dict[str, tuple[list[str], list[float]]]:
    vocab = {}
    for language, pairs in PAIRS.items():
        common = list(
            dict.fromkeys(w for pair in pairs for w in content_words(" ".join(pair), [language]))
        )
        letters = ALPHABETS[language]
        rare = ["".join(rng.choices(letters, k=rng.randint(4, 9))) for _ in range(3000)]
        words = common + rare
        weights = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(words))))
        vocab[language] = (words, weights)
    return vocab


def _hub(language: str, index: int) -> int:
    return list(PAIRS).index(language) * HUBS_PER_LANGUAGE + index + 1


async def _fill(conn: aiosqlite.Connection, count: int, rng: random.Random) -> dict:
    """Write the archive; return {(language, pair index): question id}."""
    now = to_db_time(utcnow())
    vocab = _vocabulary(rng)
    await conn.execute("BEGIN")
    for number, language in enumerate(PAIRS, 1):
        await conn.execute(
            """INSERT INTO users (id, first_name, locale, created_at, updated_at)
               VALUES (?, 'A', ?, ?, ?)""",
            (number, language, now, now),
        )
        for index in range(HUBS_PER_LANGUAGE):
            await conn.execute(
                """INSERT INTO hubs (id, name, code, timezone, locale, created_at)
                   VALUES (?, 'Hub', ?, 'UTC', ?, ?)""",
                (_hub(language, index), f"H{language}{index}", language, now),
            )
    real = [(language, i) for language, pairs in PAIRS.items() for i in range(len(pairs))]
    places = dict(zip(sorted(rng.sample(range(count), len(real))), real, strict=True))
    languages = list(PAIRS)
    rows, expected = [], {}
    for n in range(count):
        if n in places:
            language, i = places[n]
            text, answer, _query = PAIRS[language][i]
            hub = _hub(language, 0)
            expected[(language, i)] = n + 1
        else:
            language = languages[n % len(languages)]
            words, weights = vocab[language]
            text = " ".join(rng.choices(words, cum_weights=weights, k=10)) + "?"
            answer = " ".join(rng.choices(words, cum_weights=weights, k=25)) + "."
            hub = _hub(language, rng.randrange(HUBS_PER_LANGUAGE))
        asker = languages.index(language) + 1
        rows.append((n + 1, hub, asker, text, answer, now, now))
    await conn.executemany(
        """INSERT INTO questions (id, hub_id, asker_id, text, status, answer, created_at,
                                  updated_at) VALUES (?, ?, ?, ?, 'answered', ?, ?, ?)""",
        rows,
    )
    await conn.execute("COMMIT")
    return expected


async def _index_mb(conn: aiosqlite.Connection, prefix: str) -> float:
    rows = await conn.execute_fetchall(
        "SELECT SUM(pgsize) FROM dbstat WHERE name LIKE ?", (f"{prefix}%",)
    )
    return (rows[0][0] or 0) / 1e6


async def measure(count: int, searches: int) -> Figures:
    figures = Figures()
    rng = random.Random(12)
    (search_version,) = [v for v, name, _ in migration_scripts() if name.endswith("_search.sql")]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "search.sqlite3"
        async with aiosqlite.connect(path, isolation_level=None) as conn:
            await apply_migrations(conn, target=search_version - 1)
            expected = await _fill(conn, count, rng)
            started = time.perf_counter()
            await apply_migrations(conn, target=search_version)
            figures.migrate_seconds = time.perf_counter() - started
            await apply_migrations(conn)
            figures.old_index_mb = await _index_mb(conn, "questions_fts")
            figures.new_index_mb = await _index_mb(conn, "questions_search")
            figures.new_content_mb = await _index_mb(conn, "questions_search_content")
        db = Database(path)
        await db.open()
        try:
            await _timings(db, figures, searches, rng)
            await _recall(db, figures, expected)
        finally:
            await db.close()
        await _long_answers(Path(tmp) / "long.sqlite3", figures, searches // 10)
    return figures


LONG_ROWS, LONG_WORDS = 2_000, 400
LONG_COMMON = "lesson students teacher feedback parents mentor meeting class school reading plan"


async def _long_answers(path: Path, figures: Figures, searches: int) -> None:
    """similar() of a typed question over 2,000 answers of ~400 words each (one hub): the
    words a typed question shares with them are common, each answer long to rank."""
    rng = random.Random(400)
    rare = [
        "".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(4, 9))) for _ in range(3000)
    ]
    common = LONG_COMMON.split()
    now = to_db_time(utcnow())
    db = Database(path)
    await db.open()
    try:
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO users (id, locale, created_at, updated_at) VALUES (1, 'en', ?, ?)",
                (now, now),
            )
            await conn.execute(
                """INSERT INTO hubs (id, name, code, timezone, locale, created_at)
                   VALUES (1, 'Hub', 'long', 'UTC', 'en', ?)""",
                (now,),
            )
            await conn.executemany(
                """INSERT INTO questions (hub_id, asker_id, text, status, answer, created_at,
                                          updated_at) VALUES (1, 1, ?, 'answered', ?, ?, ?)""",
                [
                    (
                        " ".join(rng.choices(common, k=4) + rng.choices(rare, k=30)),
                        " ".join(rng.choices(common, k=10) + rng.choices(rare, k=LONG_WORDS)),
                        now,
                        now,
                    )
                    for _ in range(LONG_ROWS)
                ],
            )
            await index_all(conn)
        service, times = SearchService(db), []
        for _ in range(max(searches, 20)):
            typed = " ".join(common + rng.choices(rare, k=13))
            started = time.perf_counter()
            await service.similar(typed, hub_ids=[1], locales=["en", "ru"])
            times.append(time.perf_counter() - started)
    finally:
        await db.close()
    figures.long_p50, figures.long_p99 = percentile_ms(times, 0.5), percentile_ms(times, 0.99)


async def _timings(db: Database, figures: Figures, searches: int, rng: random.Random) -> None:
    service, old = SearchService(db), QuestionRepository(db)
    vocab = _vocabulary(random.Random(12))  # the same words the archive was written with
    new_times, old_times, similar_times = [], [], []
    for n in range(searches):
        language = rng.choice(list(PAIRS))
        words, weights = vocab[language]
        query = " ".join(rng.choices(words, cum_weights=weights, k=rng.choice((1, 2))))
        hubs = [_hub(language, rng.randrange(HUBS_PER_LANGUAGE)) for _ in range(1 + n % 3)]
        started = time.perf_counter()
        await service.faq(query, hub_ids=hubs, locales=[language, "en"], limit=5)
        new_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        await old.search(hubs, query, limit=5, offset=0)
        old_times.append(time.perf_counter() - started)
        if n % 5 == 0:
            text = rng.choice(PAIRS[language])[0]
            started = time.perf_counter()
            await service.similar(text, hub_ids=hubs, locales=[language])
            similar_times.append(time.perf_counter() - started)
    figures.new_p50, figures.new_p99 = percentile_ms(new_times, 0.5), percentile_ms(new_times, 0.99)
    figures.old_p50, figures.old_p99 = percentile_ms(old_times, 0.5), percentile_ms(old_times, 0.99)
    figures.similar_p50 = percentile_ms(similar_times, 0.5)
    figures.similar_p99 = percentile_ms(similar_times, 0.99)


async def _recall(db: Database, figures: Figures, expected: dict) -> None:
    service, old = SearchService(db), QuestionRepository(db)
    for language, pairs in PAIRS.items():
        found_old = found_new = 0
        hub = _hub(language, 0)
        for index, (_text, _answer, query) in enumerate(pairs):
            wanted = expected[(language, index)]
            rows, _ = await old.search([hub], query, limit=3, offset=0)
            hits, _, _ = await service.faq(query, hub_ids=[hub], locales=[language], limit=3)
            in_old = wanted in [row.id for row in rows]
            in_new = wanted in [hit.question_id for hit in hits]
            found_old += in_old
            found_new += in_new
            if not in_new:
                today = "found" if in_old else "-"
                figures.misses.append(f"{language}: {query!r} (today: {today})")
        figures.recall[language] = (found_old, found_new)


def report(figures: Figures, count: int) -> list[str]:
    lines = [
        f"{f'/faq over {count} answered, today: p50':<52} {figures.old_p50:>10.2f}ms",
        f"{f'/faq over {count} answered, today: p99':<52} {figures.old_p99:>10.2f}ms",
        f"{f'/faq over {count} answered, stemmed: p50':<52} {figures.new_p50:>10.2f}ms",
        f"{f'/faq over {count} answered, stemmed: p99':<52} {figures.new_p99:>10.2f}ms",
        f"{'similar() of a typed question: p50':<52} {figures.similar_p50:>10.2f}ms",
        f"{'similar() of a typed question: p99':<52} {figures.similar_p99:>10.2f}ms",
        f"{'similar(), 2,000 answers of 400 words: p50':<52} {figures.long_p50:>10.2f}ms",
        f"{'similar(), 2,000 answers of 400 words: p99':<52} {figures.long_p99:>10.2f}ms",
        f"{'index size, today (questions_fts)':<52} {figures.old_index_mb:>10.1f}MB",
        f"{'index size, stemmed (questions_search)':<52} {figures.new_index_mb:>10.1f}MB",
        f"{'  of which the stored forms (for ranking)':<52} {figures.new_content_mb:>10.1f}MB",
        f"{f'migration: stem and index {count} rows':<52} {figures.migrate_seconds:>11.1f}s",
        "",
        f"{'recall, top 3 of 10 per language':<30} {'today':>8} {'stemmed':>8}",
    ]
    total_old = total_new = 0
    for language, (old, new) in figures.recall.items():
        lines.append(f"{language:<30} {old:>8} {new:>8}")
        total_old, total_new = total_old + old, total_new + new
    lines.append(f"{'all':<30} {total_old:>8} {total_new:>8}")
    if figures.misses:
        lines += ["", "missed by the stemmed index:", *(f"  {m}" for m in figures.misses)]
    return lines
