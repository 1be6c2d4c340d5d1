"""Reflections: answering a prompt (a reply, or ✍️ Answer and typing), Skip, and sharing.

Callbacks ``rf:<action>:<id>``: ``a``/``s`` carry a send id (the prompt's buttons, written by the
prompt service), ``sh``/``n``/``an``/``c``/``d`` a reflection id (share, named, anonymous,
cancel, done). Every one is checked against the presser: someone else's id is a stale button.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    MessageHandler,
    filters,
)

from bot import callbacks, i18n
from bot.buttons import button_label
from bot.context import AWAITING, BotContext
from bot.db.reflections import PartKind, ReflectionRow
from bot.handlers.common import edit_or_reply, plain_text, reply, shorten, stale_button
from bot.handlers.quiet import AWAIT_PAUSE, AWAIT_QUIET
from bot.i18n import _
from bot.services.reflections import MAX_TEXT, NewPart, ReflectionError, Saved

AWAIT_REFLECTION = "reflection"
REPLY_GROUP = 5  # a reply to a prompt: before every typed-input consumer
FOLLOW_UP_GROUP = 80  # after them: typed after ✍️ Answer, or following a reflection


def problem(reason: str, hub: str = "") -> str:
    return {
        "empty": _("That message has no words in it. Write a few, or send a voice note."),
        "too-long": _(
            "That is too long: a reflection holds at most {limit} characters. Please shorten it.",
            limit=MAX_TEXT,
        ),
        "full": _(
            "This reflection has reached {limit} characters, so that message was not added.",
            limit=MAX_TEXT,
        ),
        "unsupported": _("I can keep text, voice notes and photos in your journal."),
        "shared": _("This reflection is already shared with the hub."),
        "left": _(
            "You are no longer in {hub}, so this reflection stays in your private journal.",
            hub=hub,
        )
        if hub
        else _("You are no longer in that hub, so this reflection stays in your private journal."),
        "withdrawn": _(
            "The facilitators withdrew this prompt, so it can't be shared. "
            "Your reflection stays in your journal."
        ),
        "no-group": _("The hub has no group to post in right now. Try again later."),
        "no-text": _("Only written words are shared, and this reflection has none."),
        "skipped": _("You skipped this prompt. To write after all, reply to it."),
        "not-found": _("I can't find that prompt any more, so this was not saved."),
    }.get(reason, _("This button is no longer valid."))


def part_of(message: Message) -> NewPart | None:
    """A text, a voice note or a photo as a reflection part; None for anything else."""
    if message.text is not None:
        return NewPart(PartKind.TEXT, message.text, message.message_id)
    if message.voice is not None:
        return NewPart(
            PartKind.VOICE, message.caption or "", message.message_id, message.voice.file_id
        )
    if message.photo:
        # The largest size: what the member saw when they sent it.
        return NewPart(
            PartKind.PHOTO, message.caption or "", message.message_id, message.photo[-1].file_id
        )
    return None


def _button(label: str, action: str, reflection_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=callbacks.pack("rf", action, reflection_id))


def saved_keyboard(reflection: ReflectionRow) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                _button(button_label("Share with the hub"), "sh", reflection.id),
                _button(button_label("Done"), "d", reflection.id),
            ]
        ]
    )


def saved_text(saved: Saved, window_minutes: int) -> str:
    reflection = saved.reflection
    lines = [_("📓 Saved to your journal.") if saved.created else _("📓 Added to your reflection.")]
    if saved.share_problem == "shared":
        lines.append(_("It was shared before: what you add now stays private."))
    elif saved.share_problem in ("left", "withdrawn"):
        lines.append(problem(saved.share_problem, reflection.hub_name or ""))
    if saved.created:
        lines.append(
            i18n.ngettext(
                "Anything you send in the next {count} minute joins this reflection.",
                "Anything you send in the next {count} minutes joins this reflection.",
                window_minutes,
            )
        )
    return i18n.paragraphs(lines)


async def _confirm(update: Update, context: BotContext, saved: Saved) -> None:
    window = context.services.config.reflections.window_minutes
    markup = saved_keyboard(saved.reflection) if saved.share_problem is None else None
    await reply(update, saved_text(saved, window), markup)


def _stop_awaiting(context: BotContext) -> None:
    """Forget a pending ✍️ Answer, or an open /quiet or /pause screen's wait for typed text:
    what the member writes next belongs to their reflection."""
    awaiting = context.user_data.get(AWAITING) if context.user_data is not None else None
    if awaiting in (AWAIT_QUIET, AWAIT_PAUSE) or (
        isinstance(awaiting, tuple) and awaiting[0] == AWAIT_REFLECTION
    ):
        assert context.user_data is not None
        context.user_data.pop(AWAITING, None)


async def _save(update: Update, context: BotContext, send_id: int | None) -> bool:
    """Keep the message in the reflection to ``send_id`` (None: a follow-up). False: no place."""
    message = update.effective_message
    assert message is not None
    part = part_of(message)
    if part is None:
        await reply(update, problem("unsupported"))
        return True
    service, viewer = context.services.reflections, context.viewer
    try:
        if send_id is None:
            saved = await service.follow_up(viewer.id, part)
            if saved is None:
                return False
        else:
            saved = await service.answer(viewer.id, send_id, part)
    except ReflectionError as exc:
        await reply(update, problem(exc.reason))
        return True
    await _confirm(update, context, saved)
    return True


async def prompt_reply(update: Update, context: BotContext) -> None:
    """A private reply to a prompt or its nudge: a reflection, or a part of one."""
    message = update.effective_message
    quoted = message.reply_to_message if message is not None else None
    if quoted is None or quoted.from_user is None or quoted.from_user.id != context.bot.id:
        return
    send = await context.services.reflections.send_for_reply(context.viewer.id, quoted.message_id)
    if send is None:
        return  # a reply to some other message of ours: not a reflection
    _stop_awaiting(context)
    await _save(update, context, send.send_id)
    raise ApplicationHandlerStop


async def typed_reflection(update: Update, context: BotContext) -> None:
    """What follows ✍️ Answer, or a message within an open reflection's window."""
    message = update.effective_message
    assert message is not None
    awaiting = context.user_data.get(AWAITING) if context.user_data is not None else None
    send_id = None
    if isinstance(awaiting, tuple) and awaiting[0] == AWAIT_REFLECTION:
        send_id = int(awaiting[1])
        _stop_awaiting(context)
    if await _save(update, context, send_id):
        raise ApplicationHandlerStop
    if message.text is None:
        # A voice note or a photo out of the blue: say how to keep it.
        await reply(
            update, _("To keep a voice note or a photo in your journal, reply with it to a prompt.")
        )
        raise ApplicationHandlerStop


# -- buttons


async def _drop_buttons(update: Update) -> None:
    """Take the buttons off the message that was pressed (a prompt that was skipped)."""
    query = update.callback_query
    assert query is not None
    if isinstance(query.message, Message) and query.message.reply_markup:
        await query.edit_message_reply_markup(None)


async def answer_pressed(update: Update, context: BotContext, send_id: int) -> None:
    query = update.callback_query
    assert query is not None
    service, viewer = context.services.reflections, context.viewer
    try:
        send = await service.own_send(viewer.id, send_id)
    except ReflectionError:
        await stale_button(update)
        return
    if send.status == "skipped":
        await query.answer(plain_text(problem("skipped")), show_alert=True)
        return
    await query.answer()
    if context.user_data is not None:
        context.user_data[AWAITING] = (AWAIT_REFLECTION, send_id)
    lines = [
        _("✍️ Write your reflection on:"),
        f"<i>{i18n.show(shorten(send.prompt_text, 300))}</i>",
        "",
    ]
    if await service.for_send(viewer.id, send_id) is not None:
        lines.append(_("What you send now is added to your reflection."))
    else:
        lines.append(
            _(
                "Send it here: one message or several. A voice note or a photo with a caption "
                "works too."
            )
        )
    if not send.is_member:
        lines.append(problem("left", send.hub_name))
    elif send.prompt_status == "deleted":
        lines.append(problem("withdrawn"))
    await reply(update, i18n.paragraphs(lines))


async def skip_pressed(update: Update, context: BotContext, send_id: int) -> None:
    query = update.callback_query
    assert query is not None
    try:
        outcome = await context.services.reflections.skip(context.viewer.id, send_id)
    except ReflectionError:
        await stale_button(update)
        return
    if outcome == "answered":
        await query.answer(
            _("You have already answered this prompt; it is in your /journal."), show_alert=True
        )
        return
    _stop_awaiting(context)
    if outcome == "already":
        await query.answer(_("You already skipped this prompt."))
        await _drop_buttons(update)
        return
    await query.answer()
    await _drop_buttons(update)
    await reply(
        update,
        _(
            "⏭ Skipped: no reminder will come for this prompt. "
            "If you change your mind, reply to it."
        ),
    )


async def share_pressed(update: Update, context: BotContext, action: str, rid: int) -> None:
    """``sh`` asks named or anonymous; ``n``/``an`` post; ``c`` goes back; ``d`` closes."""
    query = update.callback_query
    assert query is not None
    service, viewer = context.services.reflections, context.viewer
    try:
        reflection = await service.own(viewer.id, rid)
    except ReflectionError:
        await stale_button(update)
        return
    hub = reflection.hub_name or ""
    if action == "d":
        await query.answer()
        await _drop_buttons(update)
        return
    problem_now = await service.share_problem(reflection)
    if problem_now is not None:
        await query.answer(plain_text(problem(problem_now, hub)), show_alert=True)
        await _drop_buttons(update)
        return
    if action == "sh":
        await query.answer()
        await edit_or_reply(
            update,
            _(
                "Share this reflection with {hub}? Everyone in the hub's group will read it, "
                "with your name or anonymously.",
                hub=hub,
            ),
            InlineKeyboardMarkup(
                [
                    [
                        _button(button_label("👤 With my name"), "n", rid),
                        _button(button_label("🕶 Anonymously"), "an", rid),
                    ],
                    [_button(button_label("✖ Cancel"), "c", rid)],
                ]
            ),
        )
    elif action == "c":
        await query.answer()
        await edit_or_reply(
            update, _("Not shared: it stays in your journal."), saved_keyboard(reflection)
        )
    else:
        anonymous = action == "an"
        try:
            await service.share(viewer.id, rid, anonymous=anonymous)
        except ReflectionError as exc:
            await query.answer(plain_text(problem(exc.reason, hub)), show_alert=True)
            return
        await query.answer()
        context.services.delivery.wake()
        await edit_or_reply(
            update,
            _("📣 Shared with {hub}, anonymously.", hub=hub)
            if anonymous
            else _("📣 Shared with {hub}, with your name.", hub=hub),
        )


async def reflection_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    parsed = callbacks.unpack(query.data, "rf", str, int)
    if parsed is None:
        await stale_button(update)
        return
    action, number = parsed
    if action == "a":
        await answer_pressed(update, context, number)
    elif action == "s":
        await skip_pressed(update, context, number)
    elif action in ("sh", "n", "an", "c", "d"):
        await share_pressed(update, context, action, number)
    else:
        await stale_button(update)


def register(app: Application) -> None:
    private = filters.ChatType.PRIVATE & ~filters.COMMAND
    app.add_handler(CallbackQueryHandler(reflection_callback, pattern=callbacks.pattern("rf")))
    app.add_handler(MessageHandler(private & filters.REPLY, prompt_reply), group=REPLY_GROUP)
    app.add_handler(
        MessageHandler(private & (filters.TEXT | filters.VOICE | filters.PHOTO), typed_reflection),
        group=FOLLOW_UP_GROUP,
    )
