"""The tables of a hub's export: a header in the reader's language and the rows, per CSV file.

Pure functions over the rows of ``bot/db/exports.py`` (no I/O), run in a worker thread; the
current locale comes with the thread's copied context. Times are in the hub's zone, named in the
header ("Joined (Europe/Chisinau)"), written ``YYYY-MM-DD HH:MM`` so a spreadsheet sorts them.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.i18n import BIDI_MARKS, _
from bot.services.prompt_library import library_text
from bot.services.spreadsheet import Cell


@dataclass(frozen=True, slots=True)
class Table:
    name: str  # the file name inside the ZIP
    header: list[str]
    rows: list[list[Cell]]


@dataclass(frozen=True, slots=True)
class HubRows:
    """Everything read from the database for one export."""

    members: list[sqlite3.Row]
    questions: list[sqlite3.Row]
    announcements: list[sqlite3.Row]
    announcement_counts: dict[int, dict[str, int]]  # by status, and "held"
    meetings: list[sqlite3.Row]
    polls: list[sqlite3.Row]
    poll_counts: dict[int, tuple[dict[int, int], int]]  # named: by option index, voters
    poll_messages: list[sqlite3.Row]
    prompts: list[sqlite3.Row]
    prompt_counts: dict[int, dict[str, int]]  # occurrences, sent, answered, skipped
    surveys: list[sqlite3.Row]


def word(text: str) -> str:
    """A translated word for a cell: without the bidi marks that message layout adds.

    A spreadsheet lays out each cell by its own letters; a mark in front would only be noise
    (and would stop the header from matching what a script looks for).
    """
    return text.strip(BIDI_MARKS)


def name(first: str | None, last: str | None, username: str | None = None) -> str:
    full = " ".join(part for part in (first, last) if part)
    return f"{full} (@{username})" if username else full


def _clock(zone: ZoneInfo) -> Callable[[str | None], str]:
    def local(stored: str | None) -> str:
        if not stored:
            return ""
        moment = datetime.fromisoformat(stored)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    return local


def _zoned(header: str, zone: str) -> str:
    return f"{word(header)} ({zone})"


def _yes_no() -> tuple[str, str]:
    return word(_("yes")), word(_("no"))


def members_table(rows: Sequence[sqlite3.Row], zone: str) -> Table:
    local, (yes, no) = _clock(ZoneInfo(zone)), _yes_no()
    roles = {"facilitator": word(_("facilitator")), "member": word(_("member"))}
    header = [
        word(_("Name")),
        word(_("Username")),
        word(_("Role")),
        _zoned(_("Joined"), zone),
        word(_("Reachable")),
    ]
    body: list[list[Cell]] = [
        [
            name(r["first_name"], r["last_name"]) or str(r["id"]),
            r["username"] or "",  # without "@": a cell starting with it would be escaped
            roles.get(r["role"], r["role"]),
            local(r["joined_at"]),
            yes if r["reachable"] else no,
        ]
        for r in rows
    ]
    return Table("members.csv", header, body)


def questions_table(rows: Sequence[sqlite3.Row], zone: str) -> Table:
    local = _clock(ZoneInfo(zone))
    anonymous = word(_("anonymous"))
    statuses = {
        "pending": word(_("awaiting approval")),
        "open": word(_("open")),
        "answered": word(_("answered")),
        "rejected": word(_("not approved")),
        "closed": word(_("closed")),
    }
    header = [
        word(_("Question")),
        word(_("Asked by")),
        word(_("Status")),
        _zoned(_("Asked"), zone),
        _zoned(_("Answered"), zone),
        word(_("Answer")),
        word(_("Answered by")),
    ]
    body: list[list[Cell]] = []
    for r in rows:
        # The query leaves an anonymous asker's columns empty; the flag decides the cell alone.
        asker = (
            anonymous
            if r["anonymous"]
            else name(r["asker_first"], r["asker_last"], r["asker_username"])
        )
        answerer = name(r["answerer_first"], r["answerer_last"], r["answerer_username"])
        body.append(
            [
                r["text"],
                asker,
                statuses.get(r["status"], r["status"]),
                local(r["created_at"]),
                local(r["answered_at"]),
                r["answer"] or "",
                answerer,
            ]
        )
    return Table("questions.csv", header, body)


def announcements_table(data: HubRows, zone: str) -> Table:
    local = _clock(ZoneInfo(zone))
    statuses = {
        "scheduled": word(_("scheduled")),
        "sending": word(_("sending")),
        "done": word(_("sent")),
        "cancelled": word(_("cancelled")),
    }
    header = [
        word(_("Announcement")),
        word(_("Status")),
        _zoned(_("Sent"), zone),
        word(_("Delivered")),
        word(_("Blocked the bot")),
        word(_("Never started the bot")),
        word(_("Failed")),
        word(_("Held for quiet hours")),
        word(_("Waiting")),
    ]
    body: list[list[Cell]] = []
    for r in data.announcements:
        counts = data.announcement_counts.get(r["id"], {})
        held = counts.get("held", 0)
        waiting = counts.get("pending", 0) + counts.get("sending", 0) - held
        body.append(
            [
                r["text"],
                statuses.get(r["status"], r["status"]),
                local(r["sent_at"] or r["send_at"]),
                counts.get("sent", 0),
                counts.get("blocked", 0),
                counts.get("not_started", 0),
                counts.get("failed", 0),
                held,
                waiting,
            ]
        )
    return Table("announcements.csv", header, body)


def meetings_table(rows: Sequence[sqlite3.Row], zone: str) -> Table:
    local = _clock(ZoneInfo(zone))
    scheduled, cancelled = word(_("scheduled")), word(_("cancelled"))
    header = [
        word(_("Meeting")),
        word(_("Place")),
        _zoned(_("Starts"), zone),
        word(_("Status")),
        word(_("Going")),
        word(_("Maybe")),
        word(_("Not going")),
        word(_("Attended")),
    ]
    body: list[list[Cell]] = []
    for r in rows:
        off = r["occurrence_status"] == "cancelled" or r["meeting_status"] == "cancelled"
        body.append(
            [
                r["title"],
                r["place"],
                local(r["starts_at"]),
                cancelled if off else scheduled,
                r["going"],
                r["maybe"],
                r["declined"],
                r["attended"] if r["attendance_taken"] else "",
            ]
        )
    return Table("meetings.csv", header, body)


def _poll_counts(data: HubRows) -> dict[int, tuple[list[int], int]]:
    """Per poll: the count of each option and the number of voters (no one's identity)."""
    counts = {}
    for r in data.polls:
        options, voters = data.poll_counts.get(r["id"], ({}, 0))
        size = len(json.loads(r["options"]))
        counts[r["id"]] = ([options.get(index, 0) for index in range(size)], voters)
    for r in data.poll_messages:
        options, voters = counts[r["poll_id"]]
        for index, count in enumerate(json.loads(r["counts"] or "[]")[: len(options)]):
            options[index] += count
        counts[r["poll_id"]] = (options, voters + r["total"])
    return counts


def polls_table(data: HubRows, zone: str) -> Table:
    local, (yes, no) = _clock(ZoneInfo(zone)), _yes_no()
    statuses = {"open": word(_("open")), "closed": word(_("closed"))}
    header = [
        word(_("Poll")),
        word(_("Options and votes")),
        word(_("Voters")),
        word(_("Anonymous")),
        word(_("Status")),
        _zoned(_("Created"), zone),
        _zoned(_("Closed"), zone),
    ]
    counts = _poll_counts(data)
    body: list[list[Cell]] = []
    for r in data.polls:
        options, voters = counts[r["id"]]
        texts = json.loads(r["options"])
        lines = "\n".join(f"{text}: {count}" for text, count in zip(texts, options, strict=True))
        body.append(
            [
                r["question"],
                lines,
                voters,
                yes if r["anonymous"] else no,
                statuses.get(r["status"], r["status"]),
                local(r["created_at"]),
                local(r["closed_at"]),
            ]
        )
    return Table("polls.csv", header, body)


def prompts_table(data: HubRows, zone: str, locale: str) -> Table:
    local = _clock(ZoneInfo(zone))
    statuses = {
        "active": word(_("on")),
        "paused": word(_("paused")),
        "deleted": word(_("deleted")),
    }
    header = [
        word(_("Prompt")),
        word(_("Status")),
        _zoned(_("Created"), zone),
        word(_("Times sent")),
        word(_("Sent")),
        word(_("Answered")),
        word(_("Skipped")),
    ]
    body: list[list[Cell]] = []
    for r in data.prompts:
        counts = data.prompt_counts.get(r["id"], {})
        body.append(
            [
                (library_text(r["library_key"], locale) if r["library_key"] else "") or r["text"],
                statuses.get(r["status"], r["status"]),
                local(r["created_at"]),
                counts.get("occurrences", 0),
                counts.get("sent", 0),
                counts.get("answered", 0),
                counts.get("skipped", 0),
            ]
        )
    return Table("prompts.csv", header, body)


def surveys_table(rows: Sequence[sqlite3.Row], zone: str) -> Table:
    local, (yes, no) = _clock(ZoneInfo(zone)), _yes_no()
    statuses = {
        "scheduled": word(_("scheduled")),
        "open": word(_("open")),
        "closed": word(_("closed")),
        "cancelled": word(_("cancelled")),
    }
    header = [
        word(_("Survey")),
        word(_("Anonymous")),
        word(_("Status")),
        _zoned(_("Opens"), zone),
        _zoned(_("Closes"), zone),
        word(_("Invited")),
        word(_("Finished")),
    ]
    body: list[list[Cell]] = [
        [
            r["title"],
            yes if r["anonymous"] else no,
            statuses.get(r["status"], r["status"]),
            local(r["opens_at"]),
            local(r["closes_at"]),
            r["invited"],
            r["finished"],
        ]
        for r in rows
    ]
    return Table("surveys.csv", header, body)


def tables(data: HubRows, zone: str, locale: str) -> list[Table]:
    """Every file of the export, in the order a reader meets them."""
    return [
        members_table(data.members, zone),
        questions_table(data.questions, zone),
        announcements_table(data, zone),
        meetings_table(data.meetings, zone),
        polls_table(data, zone),
        prompts_table(data, zone, locale),
        surveys_table(data.surveys, zone),
    ]
