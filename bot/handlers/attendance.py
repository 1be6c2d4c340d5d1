"""/attendance <meeting id> and the ``ma`` buttons: a paged checklist of the hub's members.

Callbacks: ``ma:open:<occ>`` (from /meetings or the saved screen), ``ma:p:<occ>:<page>`` (a page),
``ma:t:<occ>:<page>:<user>`` (toggle one member), ``ma:s:<occ>`` (Save). The marks being edited
live in ``user_data`` until Save writes them (after a restart the checklist starts again from the
saved attendance, or from those who answered Going). Every press re-checks the role, the start and
that the member belongs to the hub: old or forged buttons change nothing.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from babel.dates import format_skeleton
from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import callbacks, i18n, keyboards
from bot.buttons import LABEL_LIMIT, button_label
from bot.context import BotContext
from bot.db.memberships import Member
from bot.handlers.common import args_text, edit_or_reply, refuse, reply, stale_button
from bot.i18n import _, ngettext
from bot.parsing import parse_int
from bot.services.attendance import AttendanceError, Saved, card
from bot.services.meeting_types import OccurrenceView

PAGE_SIZE = 8
WIDE_LABEL = 32  # a button alone on its row has the phone's whole width
PRESENT, ABSENT = "✅", "▫️"
DRAFTS = "attendance"  # user_data: occurrence id → the set of members marked present


def problem(reason: str, action: str = "attendance") -> str:
    if reason == "not-started" and action == "feedback":
        return _("Feedback comes after the meeting: it hasn't started yet.")
    return {
        "unknown": _("There is no meeting with that number."),
        "cancelled": _("This meeting was cancelled."),
        "not-started": _("Attendance can be taken once the meeting has started."),
        "other-hub": _("That meeting belongs to another hub."),
    }.get(reason, _("This button is no longer valid."))


async def _say(update: Update, text: str) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    else:
        await reply(update, text)


async def managed(
    update: Update, context: BotContext, occurrence_id: int, action: str = "attendance"
) -> OccurrenceView | None:
    """The occurrence if the viewer may take its attendance (or read its feedback) here and now.

    Otherwise None, after telling them why.
    """
    service = context.services.attendance
    try:
        occurrence = await service.managed(occurrence_id, context.viewer.id)
    except AttendanceError as error:
        if error.reason == "refused":
            found = await context.services.meetings.occurrence(occurrence_id)
            await refuse(update, context, action, found.meeting.hub_id if found else None)
        elif error.reason == "unknown" and update.callback_query is not None:
            await stale_button(update)
        else:
            await _say(update, problem(error.reason, action))
        return None
    chat = update.effective_chat
    if chat is not None and chat.type != Chat.PRIVATE:
        hub = await context.services.hubs.for_chat(chat.id)
        if hub is None or hub.id != occurrence.meeting.hub_id:
            await _say(update, problem("other-hub"))
            return None
    return occurrence


def _drafts(context: BotContext) -> dict[int, set[int]]:
    assert context.user_data is not None
    return context.user_data.setdefault(DRAFTS, {})


async def _marks(context: BotContext, occurrence: OccurrenceView) -> set[int]:
    drafts = _drafts(context)
    if occurrence.id not in drafts:
        drafts[occurrence.id] = await context.services.attendance.initial_marks(occurrence)
    return drafts[occurrence.id]


def member_label(member: Member, present: bool) -> str:
    """✅ or ▫️ and the member's name, shortened to fit a half-width button."""
    name = " ".join(member.user.full_name.split())
    room = LABEL_LIMIT - 3
    if len(name) > room:
        name = name[: room - 1] + "…"
    return f"{PRESENT if present else ABSENT} {name}"


def _button(label: str, *args: int | str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=callbacks.pack("ma", *args))


def checklist_keyboard(
    occurrence_id: int,
    members: list[Member],
    marks: set[int],
    page: int,
    *,
    feedback: bool = False,
) -> InlineKeyboardMarkup:
    """A page of members (two a row), the pager, Save (and 📊 Feedback once it was asked for)."""
    shown = members[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    buttons = [
        _button(member_label(m, m.user.id in marks), "t", occurrence_id, page, m.user.id)
        for m in shown
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    back = _button(button_label("◀ Back"), "p", occurrence_id, page - 1) if page > 0 else None
    more = (
        _button(button_label("More ▶"), "p", occurrence_id, page + 1)
        if (page + 1) * PAGE_SIZE < len(members)
        else None
    )
    if back or more:
        rows.append(keyboards.pager(back, more))
    last = [_button(button_label("💾 Save attendance"), "s", occurrence_id)]
    if feedback:
        last.append(feedback_button(occurrence_id))
    rows.append(last)
    return InlineKeyboardMarkup(rows)


def feedback_button(occurrence_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        button_label("📊 Feedback"), callback_data=callbacks.pack("mf", "v", occurrence_id)
    )


def checklist_text(
    occurrence: OccurrenceView, zone: str, present: int, total: int, page: int, pages: int
) -> str:
    lines = [
        card(occurrence, zone, _("📋 <b>Attendance</b>: tap the people who came, then Save.")),
        "",
        ngettext(
            "{count} of {total} marked present.",
            "{count} of {total} marked present.",
            present,
            total=total,
        ),
    ]
    if pages > 1:
        lines.append(_("Page {page} of {pages}", page=page + 1, pages=pages))
    return i18n.paragraphs(lines)


async def show_checklist(
    update: Update, context: BotContext, occurrence: OccurrenceView, page: int = 0
) -> None:
    members = await context.services.attendance.members(occurrence.meeting.hub_id)
    marks = await _marks(context, occurrence)
    pages = max(1, -(-len(members) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    present = len(marks & {m.user.id for m in members})
    await edit_or_reply(
        update,
        checklist_text(occurrence, context.viewer.timezone, present, len(members), page, pages),
        checklist_keyboard(
            occurrence.id, members, marks, page, feedback=occurrence.feedback_at is not None
        ),
    )


def saved_text(occurrence: OccurrenceView, zone: str, saved: Saved) -> str:
    lines = [
        card(occurrence, zone, _("✅ <b>Attendance saved</b>")),
        "",
        ngettext(
            "{count} of {total} present.",
            "{count} of {total} present.",
            saved.present,
            total=saved.total,
        ),
    ]
    if saved.asked:
        lines.append(
            ngettext(
                "A feedback request went to {count} person who came.",
                "Feedback requests went to {count} people who came.",
                saved.asked,
            )
        )
    elif not saved.feedback_on:
        lines.append(_("Feedback requests are off in this hub (see /hubsettings)."))
    return i18n.paragraphs(lines)


def saved_keyboard(occurrence_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                _button(button_label("✏️ Edit attendance"), "open", occurrence_id),
                feedback_button(occurrence_id),
            ]
        ]
    )


async def _save(update: Update, context: BotContext, occurrence: OccurrenceView) -> None:
    marks = await _marks(context, occurrence)
    try:
        saved = await context.services.attendance.save(occurrence.id, context.viewer.id, marks)
    except AttendanceError as error:
        if error.reason == "refused":
            await refuse(update, context, "attendance", occurrence.meeting.hub_id)
        else:
            await _say(update, problem(error.reason))
        return
    _drafts(context).pop(occurrence.id, None)
    assert update.callback_query is not None
    await update.callback_query.answer(_("Attendance saved."))
    await edit_or_reply(
        update,
        saved_text(occurrence, context.viewer.timezone, saved),
        saved_keyboard(occurrence.id),
    )


# -- entry points


def meeting_label(occurrence: OccurrenceView, zone: str) -> str:
    """'3 Dec · Peer observation', cut to fit a full-width button."""
    day = format_skeleton("MMMd", occurrence.starts_at, tzinfo=ZoneInfo(zone),
                          locale=i18n.current_locale())  # fmt: skip
    label = f"{day} · {' '.join(occurrence.meeting.title.split())}"
    return label if len(label) <= WIDE_LABEL else label[: WIDE_LABEL - 1] + "…"


async def offer_recent(update: Update, context: BotContext, action: str, *args: str) -> None:
    """/attendance or /feedback without a number: the recent meetings of the hubs one runs."""
    recent = await context.services.attendance.recent(context.viewer.id)
    usage = (
        _("Write the meeting's number, as /meetings shows it: /feedback 12")
        if action == "mf"
        else _("Write the meeting's number, as /meetings shows it: /attendance 12")
    )
    if not recent:
        await reply(
            update, i18n.paragraphs([_("No meeting took place in your hubs lately."), usage])
        )
        return
    zone = context.viewer.timezone
    rows = [
        [
            InlineKeyboardButton(
                meeting_label(o, zone), callback_data=callbacks.pack(action, *args, o.id)
            )
        ]
        for o in recent
    ]
    await reply(update, i18n.paragraphs([_("Which meeting?"), usage]), InlineKeyboardMarkup(rows))


async def attendance_command(update: Update, context: BotContext) -> None:
    parts = args_text(update).split()
    meeting_id = parse_int(parts[0], minimum=1) if len(parts) == 1 else None
    if not parts:
        await offer_recent(update, context, "ma", "open")
        return
    if meeting_id is None:
        await reply(
            update,
            _("Write the meeting's number, as /meetings shows it: /attendance 12"),
        )
        return
    occurrence = await context.services.attendance.latest_started(meeting_id)
    if occurrence is None:
        await reply(update, problem("unknown"))
        return
    occurrence = await managed(update, context, occurrence.id)
    if occurrence is not None:
        _drafts(context).pop(occurrence.id, None)  # a fresh start from what is saved
        await show_checklist(update, context, occurrence)


async def attendance_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    parts = (query.data or "").split(":")
    action = parts[1] if len(parts) > 1 else ""
    shapes: dict[str, tuple[type, ...]] = {
        "open": (int,),
        "s": (int,),
        "p": (int, int),
        "t": (int, int, int),
    }
    if action not in shapes:
        await stale_button(update)
        return
    found = callbacks.unpack(query.data, "ma", str, *shapes[action])
    if found is None:
        await stale_button(update)
        return
    occurrence = await managed(update, context, found[1])
    if occurrence is None:
        return
    if action == "open":
        _drafts(context).pop(occurrence.id, None)
        await query.answer()
        await show_checklist(update, context, occurrence)
    elif action == "p":
        await query.answer()
        await show_checklist(update, context, occurrence, found[2])
    elif action == "t":
        await _toggle(update, context, occurrence, found[2], found[3])
    else:
        await _save(update, context, occurrence)


async def _toggle(
    update: Update, context: BotContext, occurrence: OccurrenceView, page: int, user_id: int
) -> None:
    members = await context.services.attendance.members(occurrence.meeting.hub_id)
    if user_id not in {m.user.id for m in members}:
        await stale_button(update)  # not (or no longer) a member of the hub
        return
    marks = await _marks(context, occurrence)
    marks.symmetric_difference_update({user_id})
    assert update.callback_query is not None
    await update.callback_query.answer()
    await show_checklist(update, context, occurrence, page)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("attendance", attendance_command))
    app.add_handler(CallbackQueryHandler(attendance_callback, pattern=callbacks.pattern("ma")))
