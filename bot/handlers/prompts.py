"""/prompt in its typed form, and /prompts: a facilitator's list, or a member's on/off.

``/prompt weekdays 18:00 <text>`` creates a prompt at once (in the facilitator's only hub, or the
one picked with buttons); no arguments or a schedule that cannot be read opens the guided flow.
Every button press re-checks the role: the buttons may be old or forged.
"""

from __future__ import annotations

from babel.dates import format_date
from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import callbacks, i18n
from bot.buttons import button_label, hub_in_label
from bot.context import BotContext
from bot.handlers import prompt_flow
from bot.handlers.common import (
    args_text,
    edit_or_reply,
    group_hub,
    hub_from_callback,
    refuse,
    reply,
    shorten,
    stale_button,
)
from bot.handlers.prompt_steps import next_run_for
from bot.i18n import _, ngettext, show
from bot.services.prompt_rules import ScheduleError, describe, parse_schedule
from bot.services.prompts import OccurrenceStats, PromptError, PromptView

# user_data: a typed /prompt waiting for its hub to be picked (by a facilitator of several).
PENDING = "prompt_pending"
LIST = "pl"
MEMBER = "po"


# -- /prompt <typed form>


async def prompt_command(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    if chat is not None and chat.type != Chat.PRIVATE:
        group = await group_hub(update, context, "prompt")  # the group's own hub, or why not
        if group is None:
            return
        hubs = [group]
    else:
        hubs = await context.services.access.facilitated_hubs(context.viewer.id)
    if not hubs:
        await refuse(update, context, "prompt", None)
        return
    text = args_text(update)
    if not text:
        await prompt_flow.start_flow(update, context)
        return
    try:
        parse_schedule(text)
    except ScheduleError as exc:
        await prompt_flow.start_flow(update, context, exc.message)
        return
    if len(hubs) == 1:
        await _create(update, context, hubs[0].id, text)
        return
    if context.user_data is not None:
        context.user_data[PENDING] = text
    rows = [
        [
            InlineKeyboardButton(
                hub_in_label(hub.name), callback_data=callbacks.pack(LIST, "hub", hub.id)
            )
        ]
        for hub in hubs
    ]
    await reply(update, _("Which hub is this prompt for?"), InlineKeyboardMarkup(rows))


async def _create(update: Update, context: BotContext, hub_id: int, typed: str) -> None:
    hub = await context.services.hubs.get(hub_id)
    try:
        recurrence, body = parse_schedule(typed, hub.timezone if hub else None)
        prompt = await context.services.prompts.create(
            hub_id=hub_id, author_id=context.viewer.id, recurrence=recurrence, text=body
        )
    except ScheduleError as exc:
        await prompt_flow.start_flow(update, context, exc.message)
        return
    except PromptError as exc:
        await edit_or_reply(update, exc.message)
        return
    await edit_or_reply(
        update,
        _(
            "✅ Prompt saved for <b>{hub}</b>: {schedule}. Next: {next}.",
            hub=prompt.hub_name,
            schedule=describe(prompt.recurrence, prompt.timezone) if prompt.recurrence else "",
            next=_next_run(prompt, context),
        ),
    )


def _next_run(prompt: PromptView, context: BotContext) -> str:
    zone = context.viewer.timezone  # the reader's zone: a date, and a time without seconds
    # Timed by members' clocks, the reader's own next prompt: not the earliest zone's.
    moment = next_run_for(prompt, zone, context.services.scheduler.clock.now())
    if moment is None:
        return _("not scheduled")
    return f"{i18n.format_date(moment, zone)} {i18n.format_time(moment, zone)}"


# -- /prompts


async def prompts_command(update: Update, context: BotContext) -> None:
    words = args_text(update).split(maxsplit=1)
    chat = update.effective_chat
    if chat is not None and chat.type != Chat.PRIVATE:
        await _group_prompts(update, context, chat.id, words)
        return
    if words and words[0].lower() in ("on", "off"):
        await _member_switch(update, context, words[0].lower() == "on", words[1:])
        return
    hubs = await context.services.access.facilitated_hubs(context.viewer.id)
    if hubs:
        await _send_list(update, context, [hub.id for hub in hubs])
    await _member_screen(update, context, edit=False)


async def _group_prompts(
    update: Update, context: BotContext, chat_id: int, words: list[str]
) -> None:
    """In a group: the group's own hub only. Its prompts are for its facilitators; on/off
    switches the sender's prompts from this hub alone (their other hubs are their own)."""
    if words and words[0].lower() in ("on", "off"):
        hub = await context.services.hubs.for_chat(chat_id)
        if hub is None:
            await group_hub(update, context, "prompts")  # says the group isn't a hub
        elif await context.services.hubs.role(hub.id, context.viewer.id) is None:
            await reply(update, _("You are not in a hub called {name}.", name=hub.name))
        else:
            await _member_switch(update, context, words[0].lower() == "on", [], in_hub=hub.id)
        return
    hub = await group_hub(update, context, "prompts")  # the group's hub, or why not
    if hub is not None:
        await _send_list(update, context, [hub.id])


async def _send_list(update: Update, context: BotContext, hub_ids: list[int]) -> None:
    prompts = await context.services.prompts.for_hubs(hub_ids)
    if not prompts:
        await reply(update, _("Your hubs have no prompts yet. Create one with /prompt."))
        return
    for prompt in prompts:
        text, markup = await _card(context, prompt)
        await reply(update, text, markup)


async def _card(context: BotContext, prompt: PromptView) -> tuple[str, InlineKeyboardMarkup | None]:
    locale = i18n.current_locale()
    lines = [
        _("💭 <b>{hub}</b> · prompt {number}", hub=prompt.hub_name, number=i18n.ref(prompt.id)),
        show(shorten(prompt.text_in(locale), 300)),
        describe(prompt.recurrence, prompt.timezone) if prompt.recurrence else "",
    ]
    if prompt.status == "paused":
        lines.append(_("⏸ Paused"))
    else:
        lines.append(_("Next: {next}", next=_next_run(prompt, context)))
    for stats in await context.services.prompts.occurrences(prompt.id):
        lines.append(_occurrence_line(stats, context))
    buttons = []
    if prompt.status == "active":
        buttons.append(
            InlineKeyboardButton(
                button_label("⏸ Pause"), callback_data=callbacks.pack(LIST, "pause", prompt.id)
            )
        )
    else:
        buttons.append(
            InlineKeyboardButton(
                button_label("⏯ Resume"), callback_data=callbacks.pack(LIST, "resume", prompt.id)
            )
        )
    buttons.append(
        InlineKeyboardButton(
            button_label("🗑 Delete"), callback_data=callbacks.pack(LIST, "del", prompt.id)
        )
    )
    return "\n".join(line for line in lines if line), InlineKeyboardMarkup([buttons])


def _occurrence_line(stats: OccurrenceStats, context: BotContext) -> str:
    day = format_date(stats.occurrence, "medium", locale=i18n.current_locale())
    if stats.skip_reason == "holiday":
        return _("{date}: skipped (hub holiday)", date=day)
    if stats.skip_reason is not None:
        return _("{date}: skipped (the bot was offline)", date=day)
    return _(
        "{date}: {sent} · {answered} · {skipped} · {nudged}",
        date=day,
        sent=ngettext("{count} sent", "{count} sent", stats.sent),
        answered=ngettext("{count} answered", "{count} answered", stats.answered),
        skipped=ngettext("{count} skipped", "{count} skipped", stats.skipped),
        nudged=ngettext("{count} nudged", "{count} nudged", stats.nudged),
    )


async def list_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    parsed = callbacks.unpack(query.data, LIST, str, int)
    if parsed is None or parsed[0] not in ("hub", "pause", "resume", "del", "delok", "keep"):
        await stale_button(update)
        return
    action, number = parsed
    if action == "hub":
        typed = (context.user_data or {}).get(PENDING)
        if not typed or await hub_from_callback(update, context, "prompt", number) is None:
            if typed is None:
                await stale_button(update)
            return
        await query.answer()
        if context.user_data is not None:
            context.user_data.pop(PENDING, None)
        await _create(update, context, number, typed)
        return
    prompts = context.services.prompts
    prompt = await prompts.get(number)
    if prompt is None or prompt.status == "deleted":
        await stale_button(update)
        return
    if await hub_from_callback(update, context, "prompts", prompt.hub_id) is None:
        return
    if action == "del":
        await query.answer()
        await edit_or_reply(
            update,
            _("Delete this prompt? Members' reflections stay in their journals."),
            InlineKeyboardMarkup(
                [
                    [
                        InlineKeyboardButton(
                            button_label("🗑 Delete"),
                            callback_data=callbacks.pack(LIST, "delok", prompt.id),
                        ),
                        InlineKeyboardButton(
                            button_label("Keep it"),
                            callback_data=callbacks.pack(LIST, "keep", prompt.id),
                        ),
                    ]
                ]
            ),
        )
        return
    if action == "delok":
        await prompts.delete(prompt.id)
        await query.answer()
        await edit_or_reply(update, _("🗑 Prompt deleted."))
        return
    if action == "pause":
        await prompts.pause(prompt.id)
    elif action == "resume" and prompt.status == "paused":
        await prompts.resume(prompt.id)
    # "keep" (not deleted after all): the card again, as it was
    await query.answer()
    updated = await prompts.get(prompt.id)
    assert updated is not None
    text, markup = await _card(context, updated)
    await edit_or_reply(update, text, markup)


# -- members: on/off


async def _member_screen(update: Update, context: BotContext, *, edit: bool) -> None:
    settings = await context.services.prompts.member_prompt_settings(context.viewer.id)
    if not settings:
        if not edit and not await context.services.access.facilitated_hubs(context.viewer.id):
            await reply(update, _("You are not in any hub yet, so no prompts come to you."))
        return
    lines = [_("<b>Reflection prompts</b>")]
    rows = []
    for hub, on in settings:
        lines.append(_("{hub}: on", hub=hub.name) if on else _("{hub}: off", hub=hub.name))
        label = (
            button_label("🔕 Off: {hub}", hub=hub_in_label(hub.name))
            if on
            else button_label("🔔 On: {hub}", hub=hub_in_label(hub.name))
        )
        rows.append(
            [
                InlineKeyboardButton(
                    label, callback_data=callbacks.pack(MEMBER, "off" if on else "on", hub.id)
                )
            ]
        )
    send = edit_or_reply if edit else reply
    await send(update, "\n".join(lines), InlineKeyboardMarkup(rows))


async def _member_switch(
    update: Update, context: BotContext, on: bool, rest: list[str], *, in_hub: int | None = None
) -> None:
    """Switch the sender's prompts: in every hub, the one named, or only ``in_hub`` (a group's)."""
    settings = await context.services.prompts.member_prompt_settings(context.viewer.id)
    if in_hub is not None:
        settings = [(hub, state) for hub, state in settings if hub.id == in_hub]
    if rest:
        wanted = rest[0].strip().casefold()
        settings = [(hub, state) for hub, state in settings if hub.name.casefold() == wanted]
        if not settings:
            await reply(update, _("You are not in a hub called {name}.", name=shorten(rest[0])))
            return
    if not settings:
        await reply(update, _("You are not in any hub yet, so no prompts come to you."))
        return
    for hub, _state in settings:
        await context.services.prompts.set_member_prompts(hub.id, context.viewer.id, on)
    names = ", ".join(hub.name for hub, _state in settings)
    await reply(
        update,
        _("🔔 Prompts are on for {hubs}.", hubs=names)
        if on
        else _("🔕 Prompts are off for {hubs}. Turn them back on with /prompts on.", hubs=names),
    )


async def member_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    parsed = callbacks.unpack(query.data, MEMBER, str, int)
    if parsed is None or parsed[0] not in ("on", "off"):
        await stale_button(update)
        return
    state, hub_id = parsed
    # Only a member of the hub can switch its prompts (set_member_prompts changes no other row).
    if not await context.services.prompts.set_member_prompts(
        hub_id, context.viewer.id, state == "on"
    ):
        await stale_button(update)
        return
    await query.answer()
    await _member_screen(update, context, edit=True)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("prompt", prompt_command))
    app.add_handler(CommandHandler("prompts", prompts_command))
    app.add_handler(CallbackQueryHandler(list_callback, pattern=callbacks.pattern(LIST)))
    app.add_handler(CallbackQueryHandler(member_callback, pattern=callbacks.pattern(MEMBER)))
