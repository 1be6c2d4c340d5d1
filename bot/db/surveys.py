"""Surveys, their questions, who was invited, drafts and responses (migration 0012)."""

from __future__ import annotations

from bot.db.database import Database


class SurveyRepository:
    def __init__(self, db: Database) -> None:
        self._db = db
