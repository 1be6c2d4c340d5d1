"""Feedback after a meeting: the member's answer (``mf`` buttons, a typed sentence) and the results.

A member asked for feedback presses a rating ``mf:r:<occ>:<1-5>``, then types one sentence (read
in handler group 19) or presses Skip ``mf:k:<occ>:<n>``, then chooses ``mf:a:<occ>:<n>:<c>``
(anonymous, the first button) or ``mf:n:<occ>:<n>:<c>`` (signed); ``c`` says whether a sentence
waits in ``user_data``. Nothing is stored until that last press, and then in one transaction that
refuses a second answer. Facilitators read the results with ``mf:v:<occ>`` or /feedback <id>.
"""

from __future__ import annotations

from babel.numbers import format_decimal
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import callbacks, i18n
from bot.buttons import button_label
from bot.context import AWAITING, BotContext
from bot.handlers.attendance import managed, offer_recent, problem
from bot.handlers.common import args_text, edit_or_reply, reply, stale_button
from bot.i18n import _, ngettext
from bot.parsing import parse_int
from bot.services.attendance import (
    MAX_COMMENT,
    MIN_ANONYMOUS,
    AttendanceError,
    Results,
    card,
    request_text,
)
from bot.services.meeting_types import OccurrenceView

SENTENCE_GROUP = 19
AWAIT_SENTENCE = "meeting_feedback"
SENTENCES = "feedback_sentences"  # user_data: occurrence id → the sentence typed


def answer_problem(reason: str) -> str:
    return {
        "answered": _("You have already given feedback on this meeting. Thank you!"),
        "closed": _("Feedback for this meeting is closed."),
        "empty": _("That has no words in it. Write a sentence, or press Skip."),
        "too-long": _(
            "That is too long: at most {limit} characters, please. Shorten it and send it again.",
            limit=MAX_COMMENT,
        ),
    }.get(reason, _("This button is no longer valid."))


def _button(label: str, *args: int | str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=callbacks.pack("mf", *args))


def sign_keyboard(occurrence_id: int, rating: int, sentence: bool) -> InlineKeyboardMarkup:
    has = int(sentence)
    return InlineKeyboardMarkup(
        [
            [
                _button(button_label("🕶 Anonymously"), "a", occurrence_id, rating, has),
                _button(button_label("👤 With my name"), "n", occurrence_id, rating, has),
            ]
        ]
    )


def sign_question() -> str:
    return _(
        "Send it anonymously, or with your name? Facilitators see who wrote it only if you sign it."
    )


def _sentences(context: BotContext) -> dict[int, str]:
    assert context.user_data is not None
    return context.user_data.setdefault(SENTENCES, {})


def _stop_awaiting(context: BotContext) -> None:
    assert context.user_data is not None
    awaiting = context.user_data.get(AWAITING)
    if isinstance(awaiting, tuple) and awaiting[0] == AWAIT_SENTENCE:
        context.user_data.pop(AWAITING, None)


async def _open(update: Update, context: BotContext, occurrence_id: int) -> OccurrenceView | None:
    """The request the press is about, if it is the presser's and still open."""
    try:
        return await context.services.attendance.open_request(occurrence_id, context.viewer.id)
    except AttendanceError as error:
        if error.reason == "not-asked":
            await stale_button(update)
        else:
            assert update.callback_query is not None
            await update.callback_query.answer(answer_problem(error.reason), show_alert=True)
            if error.reason == "answered" and update.callback_query.message is not None:
                await edit_or_reply(update, answer_problem("answered"))
        return None


async def rated(
    update: Update, context: BotContext, occurrence: OccurrenceView, rating: int
) -> None:
    assert update.callback_query is not None and context.user_data is not None
    await update.callback_query.answer()
    _sentences(context).pop(occurrence.id, None)
    context.user_data[AWAITING] = (AWAIT_SENTENCE, occurrence.id, rating)
    text = i18n.paragraphs(
        [
            request_text(occurrence, context.viewer.timezone),
            _("Your rating: {rating} of 5.", rating=rating),
            _("Add one sentence if you like: type it now. Or press Skip."),
        ]
    )
    await edit_or_reply(
        update,
        text,
        InlineKeyboardMarkup([[_button(button_label("Skip"), "k", occurrence.id, rating)]]),
    )


async def typed_sentence(update: Update, context: BotContext) -> None:
    """The one optional sentence, typed after a rating (group 19)."""
    awaiting = context.user_data.get(AWAITING) if context.user_data is not None else None
    if not (isinstance(awaiting, tuple) and awaiting[0] == AWAIT_SENTENCE):
        return
    message = update.effective_message
    assert message is not None and message.text is not None
    _tag, occurrence_id, rating = awaiting
    service = context.services.attendance
    try:
        await service.open_request(occurrence_id, context.viewer.id)
        sentence = service.check_comment(message.text)
    except AttendanceError as error:
        if error.reason not in ("empty", "too-long"):
            _stop_awaiting(context)
        await reply(update, answer_problem(error.reason))
        raise ApplicationHandlerStop from None
    _stop_awaiting(context)
    _sentences(context)[occurrence_id] = sentence
    await reply(
        update,
        i18n.paragraphs(
            [
                _("Your sentence: {sentence}", sentence=sentence),
                sign_question(),
            ]
        ),
        sign_keyboard(occurrence_id, rating, True),
    )
    raise ApplicationHandlerStop


async def skipped(update: Update, context: BotContext, occurrence_id: int, rating: int) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer()
    _stop_awaiting(context)
    _sentences(context).pop(occurrence_id, None)
    await edit_or_reply(
        update,
        i18n.paragraphs([_("Your rating: {rating} of 5.", rating=rating), sign_question()]),
        sign_keyboard(occurrence_id, rating, False),
    )


async def send(
    update: Update, context: BotContext, occurrence_id: int, rating: int, signed: bool, has: int
) -> None:
    query = update.callback_query
    assert query is not None
    sentence = _sentences(context).get(occurrence_id) if has else None
    if has and sentence is None:
        # The sentence was lost (a restart): ask for it again rather than drop it silently.
        await query.answer()
        assert context.user_data is not None
        context.user_data[AWAITING] = (AWAIT_SENTENCE, occurrence_id, rating)
        await reply(update, _("Sorry, I lost your sentence. Please type it again."))
        return
    try:
        await context.services.attendance.answer(
            occurrence_id, context.viewer.id, rating, sentence, signed=signed
        )
    except AttendanceError as error:
        if error.reason == "not-asked":
            await stale_button(update)
        else:
            await query.answer(answer_problem(error.reason), show_alert=True)
        return
    _sentences(context).pop(occurrence_id, None)
    _stop_awaiting(context)
    await query.answer()
    await edit_or_reply(
        update,
        _("🙏 Thank you! Your feedback is saved with your name.")
        if signed
        else _("🙏 Thank you! Your feedback is saved anonymously."),
    )


# -- the results, for facilitators


def average_text(average: float) -> str:
    """One decimal, in the reader's locale (4.3, 4,3 …)."""
    return format_decimal(round(average, 1), format="0.0", locale=i18n.current_locale())


def _withheld_text() -> str:
    return ngettext(
        "Anonymous answers appear once at least {count} person has answered anonymously.",
        "Anonymous answers appear once at least {count} people have answered anonymously.",
        MIN_ANONYMOUS,
    )


def results_text(results: Results, zone: str) -> str:
    lines = [card(results.occurrence, zone, _("📊 <b>Feedback</b>")), ""]
    average = results.average
    if average is None:
        if results.counts.asked:
            # Not "No answers yet": whether someone answered must not show either.
            lines.append(_withheld_text())
        elif results.feedback_on:
            lines.append(_("Feedback requests go out when attendance is saved."))
        else:
            lines.append(_("Feedback requests are off in this hub (see /hubsettings)."))
        return i18n.paragraphs(lines)
    count = len(results.answers)
    lines.append(
        ngettext(
            "Average: {average} of 5, from {count} rating.",
            "Average: {average} of 5, from {count} ratings.",
            count,
            average=average_text(average),
        )
    )
    if not results.anonymous_shown:
        lines.append(_withheld_text())
    elif results.counts.asked:
        lines.append(
            _(
                "{answered} of {asked} asked have answered.",
                answered=results.counts.answered,
                asked=results.counts.asked,
            )
        )
    sentences = [a for a in results.answers if a.comment]
    if sentences:
        lines.append("")
        for answer in sentences:
            if answer.signer:
                lines.append(
                    _("• {sentence} — {name}", sentence=answer.comment, name=answer.signer)
                )
            else:
                lines.append(_("• {sentence}", sentence=answer.comment))
    return i18n.paragraphs(lines)


async def show_results(update: Update, context: BotContext, occurrence: OccurrenceView) -> None:
    results = await context.services.attendance.results(occurrence)
    await edit_or_reply(
        update,
        results_text(results, context.viewer.timezone),
        InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        button_label("📋 Attendance"),
                        callback_data=callbacks.pack("ma", "open", occurrence.id),
                    )
                ]
            ]
        ),
    )


async def feedback_command(update: Update, context: BotContext) -> None:
    parts = args_text(update).split()
    meeting_id = parse_int(parts[0], minimum=1) if len(parts) == 1 else None
    if not parts:
        await offer_recent(update, context, "mf", "v")
        return
    if meeting_id is None:
        await reply(update, _("Write the meeting's number, as /meetings shows it: /feedback 12"))
        return
    occurrence = await context.services.attendance.latest_started(meeting_id)
    if occurrence is None:
        await reply(update, problem("unknown"))
        return
    occurrence = await managed(update, context, occurrence.id, "feedback")
    if occurrence is not None:
        await show_results(update, context, occurrence)


async def feedback_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    parts = (query.data or "").split(":")
    action = parts[1] if len(parts) > 1 else ""
    shapes: dict[str, tuple[type, ...]] = {
        "v": (int,),
        "r": (int, int),
        "k": (int, int),
        "a": (int, int, int),
        "n": (int, int, int),
    }
    found = callbacks.unpack(query.data, "mf", str, *shapes[action]) if action in shapes else None
    if found is None or (action != "v" and not 1 <= found[2] <= 5):
        await stale_button(update)
        return
    occurrence_id = found[1]
    if action == "v":
        occurrence = await managed(update, context, occurrence_id, "feedback")
        if occurrence is not None:
            await query.answer()
            await show_results(update, context, occurrence)
        return
    occurrence = await _open(update, context, occurrence_id)
    if occurrence is None:
        return
    if action == "r":
        await rated(update, context, occurrence, found[2])
    elif action == "k":
        await skipped(update, context, occurrence_id, found[2])
    elif found[3] in (0, 1):
        await send(update, context, occurrence_id, found[2], action == "n", found[3])
    else:
        await stale_button(update)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("feedback", feedback_command))
    app.add_handler(CallbackQueryHandler(feedback_callback, pattern=callbacks.pattern("mf")))
    app.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, typed_sentence),
        group=SENTENCE_GROUP,
    )
