"""'Already answered?' in /ask: similar answered questions before a new one goes out (``qa``).

``offer`` runs where the asker's question is complete (``questions._with_hub``). Presses:
``qa:<draft>:ok`` "✅ That answers it", ``qa:<draft>:go`` "Ask anyway", ``qa:<draft>:me:<id>``
"🙋 Me too" on the closest suggestion. Each press re-checks that the draft is the presser's and
that they are still a member; the service checks the question against what the draft was offered.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler

from bot import callbacks, i18n
from bot.buttons import button_label
from bot.context import BotContext
from bot.db.questions import QuestionRow, QuestionStatus
from bot.handlers.common import edit_or_reply, shorten, stale_button
from bot.handlers.questions import problem, show_draft
from bot.i18n import _
from bot.services.questions import QuestionError
from bot.services.suggestions import Suggestion

ACTION = "qa"


async def offer(update: Update, context: BotContext, draft: QuestionRow) -> bool:
    """Show similar answered questions for a complete draft; False (nothing shown) if none."""
    services = context.services
    memberships = await services.hubs.memberships(context.viewer.id)
    names = {m.hub.id: m.hub.name for m in memberships}
    hub = next((m.hub for m in memberships if m.hub.id == draft.hub_id), None)
    if hub is None:
        return False
    found = await services.suggestions.offer(
        draft,
        hub_ids=list(names),
        locales=list(dict.fromkeys([context.viewer.locale, hub.locale])),
    )
    if not found:
        return False
    lines = [_("Your question for <b>{hub}</b>:", hub=hub.name), "", i18n.show(draft.text), ""]
    lines.append(_("🔎 These answered questions look like yours. Does one of them answer it?"))
    lines += _listing(found, names)
    rows = [
        [
            InlineKeyboardButton(
                button_label("✅ That answers it"),
                callback_data=callbacks.pack(ACTION, draft.id, "ok"),
            )
        ],
        [
            InlineKeyboardButton(
                button_label("Ask anyway"), callback_data=callbacks.pack(ACTION, draft.id, "go")
            )
        ],
    ]
    await edit_or_reply(update, i18n.paragraphs(lines), InlineKeyboardMarkup(rows))
    return True


def _listing(found: list[Suggestion], names: dict[int, str]) -> list[str]:
    """Each suggestion with its answer's first line; never who asked it."""
    lines: list[str] = []
    for item in found:
        lines += [
            "",
            f"<b>{i18n.ref(item.question_id)}</b> · {i18n.show(names.get(item.hub_id, ''))}",
            "❓ " + i18n.show(shorten(item.text, 300)),
            "✅ " + i18n.show(shorten(item.answer_first_line, 200)),
        ]
    return lines


def _unpack(data: str | None) -> tuple | None:
    return callbacks.unpack(data, ACTION, int, str) or callbacks.unpack(data, ACTION, int, str, int)


async def already_answered_callback(update: Update, context: BotContext) -> None:
    """``qa:<draft>:ok|go`` and ``qa:<draft>:me:<question>`` on the asker's own suggestions."""
    query = update.callback_query
    assert query is not None
    services, viewer = context.services, context.viewer
    parsed = _unpack(query.data)
    draft = await services.questions.get(parsed[0]) if parsed else None
    offer_ = await services.suggestions.offer_of(draft.id) if draft else None
    if parsed is None or draft is None or offer_ is None or draft.asker_id != viewer.id:
        await stale_button(update)
        return
    if await services.hubs.role(draft.hub_id, viewer.id) is None:
        await query.answer(problem("not-member"), show_alert=True)
        return
    action, rest = parsed[1], parsed[2:]
    if action == "ok" and not rest:
        if not await services.suggestions.answered(draft):
            await _settled(update, context, draft, offer_.outcome == "answered")
            return
        await query.answer()
        await _answered_screen(update, context, draft)
    elif action == "go" and not rest:
        if not await services.suggestions.ask_anyway(draft):
            await _settled(update, context, draft, offer_.outcome == "asked")
            return
        await query.answer()
        await show_draft(update, context, draft, chosen=False)
    elif action == "me" and rest:
        try:
            added, votes = await services.suggestions.me_too(draft.id, rest[0], viewer.id)
        except QuestionError as exc:
            await query.answer(problem(exc.reason), show_alert=True)
            return
        await query.answer(
            _("🙋 Me too added ({count} so far).", count=votes)
            if added
            else _("You already said 🙋 Me too to #{id}.", id=rest[0])
        )
        await _answered_screen(update, context, draft, voted=rest[0])
    else:
        await stale_button(update)


async def _settled(update: Update, context: BotContext, draft: QuestionRow, same: bool) -> None:
    """A press on a choice already made: the same one again is quietly ignored."""
    query = update.callback_query
    assert query is not None
    if same:
        await query.answer()
    elif draft.status is not QuestionStatus.DRAFT:
        await query.answer(problem("handled"), show_alert=True)
    else:
        await stale_button(update)


async def _answered_screen(
    update: Update, context: BotContext, draft: QuestionRow, *, voted: int | None = None
) -> None:
    """The suggestions again, nothing posted, and "🙋 Me too" on the closest one."""
    services, viewer = context.services, context.viewer
    offer_ = await services.suggestions.offer_of(draft.id)
    found = await services.suggestions.suggestions(offer_, viewer.id) if offer_ else []
    names = {m.hub.id: m.hub.name for m in await services.hubs.memberships(viewer.id)}
    lines = [_("👍 Glad it was already answered. Your question was not posted.")]
    lines += _listing(found, names)
    markup = None
    # The closest as offered: if it was closed since, no other one takes its place.
    closest = (
        found[0] if found and offer_ and found[0].question_id == offer_.question_ids[0] else None
    )
    if voted is not None:
        lines += ["", _("🙋 You said Me too to #{id}.", id=voted)]
    elif closest is not None and not closest.own:
        lines += [
            "",
            _(
                "Had the same question? Say 🙋 Me too to #{id}: it shows the facilitators "
                "what members need.",
                id=closest.question_id,
            ),
        ]
        markup = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        button_label("🙋 Me too: #{id}", id=closest.question_id),
                        callback_data=callbacks.pack(ACTION, draft.id, "me", closest.question_id),
                    )
                ]
            ]
        )
    await edit_or_reply(update, i18n.paragraphs(lines), markup)


def register(app: Application) -> None:
    app.add_handler(
        CallbackQueryHandler(already_answered_callback, pattern=callbacks.pattern(ACTION))
    )
