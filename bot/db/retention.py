"""SQL of data minimisation: old finished deliveries, deleted in small batches."""

from __future__ import annotations

from datetime import datetime

from bot.db.database import Database, to_db_time

FINISHED = ("sent", "blocked", "not_started", "failed", "cancelled")
_FINISHED_SQL = ", ".join(f"'{status}'" for status in FINISHED)
# Kinds whose ref_id is one thing sent to many (an announcement, a meeting, a poll, a survey):
# their counts are kept. Per-person kinds (a prompt's ref_id is one member's send) keep none.
COUNTED_KINDS = (
    "broadcast",
    "meeting_invite",
    "meeting_reminder",
    "meeting_change",
    "meeting_feedback",
    "poll_remind",
    "survey_invite",
    "survey_reminder",
)
_COUNTED_SQL = ", ".join(f"'{kind}'" for kind in COUNTED_KINDS)


class RetentionRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def delete_outbox_batch(self, cutoff: datetime, limit: int) -> int:
        """Delete up to ``limit`` finished private-chat rows last touched before ``cutoff``.

        Their counts per (kind, ref_id, status) are added to ``delivery_counts`` first, in the
        same transaction, for the kinds in ``COUNTED_KINDS``. Group posts (negative chat ids)
        stay: features find a question or a meeting by its post; but a group's deferred direct
        replies (kind 'reply': lists of names, answers to commands) go too.
        """
        async with self._db.transaction() as conn:
            ids = [
                row[0]
                for row in await conn.execute_fetchall(
                    f"""SELECT id FROM outbox INDEXED BY outbox_finished_by_age
                        WHERE status IN ({_FINISHED_SQL}) AND updated_at < ?
                          AND (chat_id > 0 OR kind = 'reply')
                        ORDER BY updated_at, id LIMIT ?""",  # noqa: S608 - constants only
                    (to_db_time(cutoff), limit),
                )
            ]
            if not ids:
                return 0
            marks = ", ".join("?" * len(ids))
            await conn.execute(
                f"""INSERT INTO delivery_counts (kind, ref_id, status, count)
                    SELECT kind, ref_id, status, COUNT(*) FROM outbox
                    WHERE id IN ({marks}) AND ref_id IS NOT NULL AND kind IN ({_COUNTED_SQL})
                    GROUP BY kind, ref_id, status
                    ON CONFLICT (kind, ref_id, status)
                    DO UPDATE SET count = count + excluded.count""",  # noqa: S608 - placeholders
                ids,
            )
            await conn.execute(f"DELETE FROM outbox WHERE id IN ({marks})", ids)  # noqa: S608
            return len(ids)

    async def delete_poll_sends_batch(self, cutoff: datetime, limit: int) -> int:
        """Delete up to ``limit`` finished poll deliveries of polls closed before ``cutoff``."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                f"""DELETE FROM poll_sends WHERE rowid IN (
                        SELECT s.rowid FROM poll_sends s JOIN polls p ON p.id = s.poll_id
                        WHERE p.status = 'closed' AND p.closed_at < ?
                          AND s.status IN ({_FINISHED_SQL}) LIMIT ?)""",  # noqa: S608
                (to_db_time(cutoff), limit),
            )
            return cursor.rowcount

    async def delivery_counts(self, kind: str, ref_id: int) -> dict[str, int]:
        """Deliveries already deleted, by status (add them to the outbox's own counts)."""
        rows = await self._db.fetch_all(
            "SELECT status, count FROM delivery_counts WHERE kind = ? AND ref_id = ?",
            (kind, ref_id),
        )
        return {row[0]: row[1] for row in rows}
