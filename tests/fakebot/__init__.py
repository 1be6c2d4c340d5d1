"""A fake Telegram Bot API server and a user simulator for end-to-end tests of the bot."""

from .server import ApiCall, FakeTelegram, Limits
from .simulator import Button, CallbackAnswer, Msg, SimGroup, SimUser

__all__ = [
    "ApiCall",
    "Button",
    "CallbackAnswer",
    "FakeTelegram",
    "Limits",
    "Msg",
    "SimGroup",
    "SimUser",
]
