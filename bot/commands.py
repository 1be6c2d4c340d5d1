"""The command catalogue: who may use each command and what it does, for /help and the menus."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from bot.i18n import LazyText, lazy_gettext


class Audience(IntEnum):
    MEMBER = 1
    FACILITATOR = 2
    ADMIN = 3


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    description: LazyText
    audience: Audience
    in_private: bool = True
    in_groups: bool = False


COMMANDS: tuple[Command, ...] = (
    Command("start", lazy_gettext("Start, or join by invite link"), Audience.MEMBER),
    Command("help", lazy_gettext("What you can do here"), Audience.MEMBER, in_groups=True),
    Command("hubs", lazy_gettext("Your hubs"), Audience.MEMBER),
    Command("settings", lazy_gettext("Your language and time zone"), Audience.MEMBER),
    Command("language", lazy_gettext("Choose your language"), Audience.MEMBER),
    Command("timezone", lazy_gettext("Set your time zone"), Audience.MEMBER),
    Command("quiet", lazy_gettext("Quiet hours for messages"), Audience.MEMBER),
    Command("pause", lazy_gettext("Pause prompts for a while"), Audience.MEMBER),
    Command("leave", lazy_gettext("Leave a hub"), Audience.MEMBER),
    Command("ask", lazy_gettext("Ask your hub a question"), Audience.MEMBER),
    Command("questions", lazy_gettext("Open questions and 🙋 Me too"), Audience.MEMBER),
    Command("faq", lazy_gettext("Search answered questions"), Audience.MEMBER),
    Command("agenda", lazy_gettext("Open questions for a meeting"), Audience.FACILITATOR),
    Command("answer", lazy_gettext("Answer a question"), Audience.FACILITATOR, in_groups=True),
    Command("approve", lazy_gettext("Approve a question"), Audience.FACILITATOR, in_groups=True),
    Command(
        "close",
        lazy_gettext("Close a question"),
        Audience.FACILITATOR,
        in_groups=True,
    ),
    Command(
        "invite", lazy_gettext("Get your hub's invite link"), Audience.FACILITATOR, in_groups=True
    ),
    Command(
        "members", lazy_gettext("Members and their roles"), Audience.FACILITATOR, in_groups=True
    ),
    Command(
        "promote", lazy_gettext("Make a member a facilitator"), Audience.FACILITATOR, in_groups=True
    ),
    Command(
        "demote", lazy_gettext("Remove a facilitator role"), Audience.FACILITATOR, in_groups=True
    ),
    Command(
        "broadcast",
        lazy_gettext("Send an announcement"),
        Audience.FACILITATOR,
        in_groups=True,
    ),
    Command("broadcasts", lazy_gettext("Announcements and reports"), Audience.FACILITATOR),
    Command("prompt", lazy_gettext("Schedule a reflection prompt"), Audience.FACILITATOR),
    Command("prompts", lazy_gettext("Reflection prompts, on or off"), Audience.MEMBER),
    Command("meeting", lazy_gettext("Plan a meeting"), Audience.FACILITATOR),
    Command("meetings", lazy_gettext("Upcoming meetings, your answer"), Audience.MEMBER),
    Command("movemeeting", lazy_gettext("Move a meeting"), Audience.FACILITATOR),
    Command("cancelmeeting", lazy_gettext("Cancel a meeting"), Audience.FACILITATOR),
    Command(
        "results", lazy_gettext("Results of a poll or survey"), Audience.FACILITATOR, in_groups=True
    ),
    Command("stats", lazy_gettext("Hub figures and a chart"), Audience.FACILITATOR, in_groups=True),
    Command("closepoll", lazy_gettext("Close a poll now"), Audience.FACILITATOR, in_groups=True),
    Command("attendance", lazy_gettext("Mark who came to a meeting"), Audience.FACILITATOR),
    Command("feedback", lazy_gettext("Feedback on a meeting"), Audience.FACILITATOR),
    Command("poll", lazy_gettext("Ask the hub a quick poll"), Audience.FACILITATOR),
    Command("surveys", lazy_gettext("Surveys to answer"), Audience.MEMBER),
    Command("survey", lazy_gettext("Build a survey with a deadline"), Audience.FACILITATOR),
    Command("journal", lazy_gettext("Your reflections, kept private"), Audience.MEMBER),
    Command("mydata", lazy_gettext("Everything kept about you"), Audience.MEMBER),
    Command("forgetme", lazy_gettext("Erase everything about you"), Audience.MEMBER),
    Command(
        "export", lazy_gettext("Hub data as spreadsheets"), Audience.FACILITATOR, in_groups=True
    ),
    Command(
        "hubsettings",
        lazy_gettext("Time zone, language, approval"),
        Audience.FACILITATOR,
        in_groups=True,
    ),
    Command(
        "newhub",
        lazy_gettext("Make this group a hub"),
        Audience.ADMIN,
        in_private=False,
        in_groups=True,
    ),
)


def commands_for(audience: Audience, *, private: bool | None) -> list[Command]:
    """The commands ``audience`` can use in a private chat, in a group, or (None) anywhere."""
    return [
        c
        for c in COMMANDS
        if c.audience <= audience
        and (private is None or (c.in_private if private else c.in_groups))
    ]
