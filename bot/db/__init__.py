"""Storage: one aiosqlite database, numbered migrations, one repository module per aggregate."""

from bot.db.database import Database, from_db_time, to_db_time, utcnow

__all__ = ["Database", "from_db_time", "to_db_time", "utcnow"]
