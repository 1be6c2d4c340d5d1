"""The glue the guided flows (/prompt, /meeting, /poll) share: where a flow keeps its draft in
``user_data``, how a press names its flow and step, and the role check every step repeats."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import Update

from bot import callbacks
from bot.context import AWAITING, BotContext
from bot.db.hubs import HubRow
from bot.handlers.common import refuse, reply, stale_button
from bot.i18n import _


@dataclass(frozen=True, slots=True)
class FlowState:
    """A flow's ``user_data`` keys: its draft, and the tag of what it waits to be typed."""

    draft_key: str
    await_tag: str  # AWAITING = (await_tag, flow number, what)

    def stop_awaiting(self, context: BotContext) -> None:
        awaiting = context.user_data.get(AWAITING) if context.user_data is not None else None
        if isinstance(awaiting, tuple) and awaiting and awaiting[0] == self.await_tag:
            assert context.user_data is not None
            context.user_data.pop(AWAITING, None)

    def end(self, context: BotContext) -> None:
        self.stop_awaiting(context)
        if context.user_data is not None:
            context.user_data.pop(self.draft_key, None)

    def draft(self, context: BotContext, number: int, kind: type) -> Any:
        """The open draft of flow ``number``, or None (an older flow's button is stale)."""
        draft = context.user_data.get(self.draft_key) if context.user_data is not None else None
        return draft if isinstance(draft, kind) and draft.flow == number else None


def unpack_press(data: str | None, action: str) -> tuple[int, str, str] | None:
    """``<action>:<flow>:<step>[:<arg>]`` → (flow, step, arg); None for anything else."""
    parsed = callbacks.unpack(data, action, int, str) or callbacks.unpack(
        data, action, int, str, str
    )
    if parsed is None:
        return None
    return parsed[0], parsed[1], parsed[2] if len(parsed) == 3 else ""


async def runnable_hub(
    update: Update, context: BotContext, hub_id: int, *, state: FlowState, action: str
) -> HubRow | None:
    """The hub, if the person may still run it; otherwise None after ending the flow and
    saying why (every press and typed answer asks again: roles change mid-flow)."""
    hub = await context.services.hubs.get(hub_id)
    if hub is None:
        state.end(context)
        if update.callback_query is not None:
            await stale_button(update)
        else:
            await reply(update, _("That hub no longer exists."))
        return None
    if not await context.services.access.can_facilitate(hub.id, context.viewer.id):
        state.end(context)
        await refuse(update, context, action, hub.id)
        return None
    return hub
