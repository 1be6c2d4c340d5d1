"""Mentor Hub: a Telegram bot for regional mentoring hubs."""

__version__ = "0.1.0"
