"""Answering a survey one question at a time (callbacks ``sv``, typed text group 21); /surveys."""

from __future__ import annotations

from telegram.ext import Application


def register(app: Application) -> None:
    pass
