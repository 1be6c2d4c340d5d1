"""The steps of the guided /survey builder: what each press or typed answer does to the draft.

A ``Flow`` is built for one update once ``survey_flow`` has checked that the person may still
make a survey for the draft's hub (or for every hub: network admins only). The timing steps
(opening, deadline, reminders) are in ``survey_times.FlowBase``.
"""

from __future__ import annotations

from bot.handlers import survey_preview as later
from bot.handlers import survey_screens as screens
from bot.handlers.survey_times import (
    FlowBase,
    end_flow,
    stop_awaiting,
)
from bot.i18n import _
from bot.services.survey_types import (
    CANCELLED,
    KINDS,
    MAX_OPTION_LENGTH,
    MAX_OPTIONS,
    MAX_QUESTIONS,
    MIN_OPTIONS,
    QuestionDraft,
    SurveyError,
    SurveyView,
    check_question,
    check_questions,
    check_reminders,
    check_times,
    clean_title,
)


class Flow(FlowBase):
    """The draft's questions, the preview and Confirm (see ``FlowBase`` for the rest)."""

    async def earlier(self) -> list[SurveyView]:
        """This scope's earlier surveys (newest first): what a survey can be the "after" of."""
        surveys = self.context.services.surveys
        hub = self.scope.hub
        found = await (
            surveys.for_hubs([hub.id], False) if hub is not None else surveys.for_hubs([], True)
        )
        hub_id = hub.id if hub is not None else None
        mine = [s for s in found if s.hub_id == hub_id and s.status != CANCELLED]
        return sorted(mine, key=lambda s: s.id, reverse=True)

    async def members(self) -> int:
        """How many people the survey would go to today (those the bot can write to)."""
        hub = self.scope.hub
        return await self.context.services.surveys.audience(hub.id if hub is not None else None)

    async def next_step(self, note: str | None = None) -> None:
        """The first step still missing; the preview once none is."""
        draft = self.draft
        if draft.title is None:
            self.awaiting("title")
            earlier = not draft.copied and bool(await self.earlier())
            await self.show(screens.title_screen(draft, self.scope, earlier, note))
        elif not draft.questions_done and (draft.adding or not draft.questions):
            await self.next_question_step(note)
        elif not draft.questions_done:
            self.awaiting(None)
            await self.show(screens.list_screen(draft, note))
        elif draft.anonymous is None:
            self.awaiting(None)
            await self.show(later.anonymity_screen(draft, note))
        elif draft.opens is None:
            self.awaiting(None)
            await self.show(later.opens_screen(draft, self.scope, note))
        elif draft.closes is None:
            self.awaiting(None)
            await self.show(later.closes_screen(draft, self.scope, self.opens_at(), note))
        elif not draft.reminders_done:
            self.awaiting(None)
            await self.show(later.reminders_screen(draft, note))
        else:
            await self.preview(note)

    async def next_question_step(self, note: str | None) -> None:
        draft = self.draft
        draft.adding = True
        if draft.kind is None:
            self.awaiting(None)
            await self.show(screens.kind_screen(draft, note))
        elif draft.text is None:
            self.awaiting("question")
            await self.show(screens.text_screen(draft, note))
        else:
            self.awaiting("option")
            await self.show(screens.options_screen(draft, note))

    async def preview(self, note: str | None) -> None:
        """The preview, after checking that the times still fit together (time moves on)."""
        draft = self.draft
        opens_at = self.opens_at()
        if opens_at is not None and opens_at <= self.now():
            draft.opens, draft.opens_at = None, None
            await self.next_step(_("That opening time has passed. Choose when the survey opens."))
            return
        closes_at = self.closes_at()
        assert closes_at is not None
        try:
            check_times(self.start(), closes_at, self.now())
        except SurveyError as exc:
            draft.closes, draft.closes_at = None, None
            await self.next_step(exc.message)
            return
        try:
            check_reminders(self.offsets(draft.reminders), self.start(), closes_at)
        except SurveyError as exc:
            draft.reminders_done = False
            await self.next_step(exc.message)
            return
        self.awaiting(None)
        screen = later.preview_screen(
            draft,
            self.scope,
            self.context.viewer.timezone,
            self.opens_at(),
            closes_at,
            await self.members(),
            note,
        )
        await self.show(screen)

    async def on_before(self, arg: str) -> bool:
        draft = self.draft
        if draft.title is not None or draft.copied or draft.questions:
            return False
        earlier = await self.earlier()
        if not arg:
            self.awaiting(None)
            reader = self.context.viewer.timezone
            await self.show(screens.earlier_screen(draft, earlier, reader))
            return True
        chosen = next((s for s in earlier if str(s.id) == arg), None)
        if chosen is None:
            return False
        draft.before = chosen
        draft.questions = [QuestionDraft(q.kind, q.text, q.options) for q in chosen.questions]
        draft.questions_done, draft.adding = True, False
        draft.kind, draft.text, draft.options = None, None, []
        await self.next_step()
        return True

    async def on_back(self, to: str) -> bool:
        draft = self.draft
        if to == "list" and draft.adding and draft.questions and not draft.questions_done:
            draft.adding, draft.kind, draft.text, draft.options = False, None, None, []
        elif to == "kind" and draft.adding and draft.kind is not None and draft.text is None:
            draft.kind = None
        elif to == "text" and draft.adding and draft.text is not None:
            draft.text, draft.options = None, []
        elif to == "questions" and draft.questions_done and draft.anonymous is None:
            if draft.copied:
                return False
            draft.questions_done = False
        elif to not in ("title", "opens", "closes"):
            return False
        await self.next_step()
        return True

    async def on_kind(self, kind: str) -> bool:
        draft = self.draft
        if kind not in KINDS or not draft.adding or draft.questions_done or draft.kind:
            return False
        if draft.title is None or len(draft.questions) >= MAX_QUESTIONS:
            return False
        draft.kind = kind  # type: ignore[assignment]
        await self.next_step()
        return True

    async def on_options_done(self, _arg: str) -> bool:
        draft = self.draft
        if not draft.adding or draft.text is None or len(draft.options) < MIN_OPTIONS:
            return False
        await self.finish_question()
        return True

    async def finish_question(self) -> None:
        draft = self.draft
        assert draft.kind is not None and draft.text is not None
        try:
            question = check_question(QuestionDraft(draft.kind, draft.text, tuple(draft.options)))
        except SurveyError as exc:
            await self.next_step(exc.message)
            return
        draft.questions.append(question)
        draft.adding, draft.kind, draft.text, draft.options = False, None, None, []
        await self.next_step()

    async def on_add(self, _arg: str) -> bool:
        draft = self.draft
        if draft.adding or draft.questions_done or len(draft.questions) >= MAX_QUESTIONS:
            return False
        draft.adding = True
        await self.next_step()
        return True

    async def on_remove(self, _arg: str) -> bool:
        draft = self.draft
        if draft.adding or draft.questions_done or not draft.questions:
            return False
        draft.questions.pop()
        await self.next_step()
        return True

    async def on_questions_done(self, _arg: str) -> bool:
        draft = self.draft
        if draft.title is None or draft.questions_done or (draft.adding and draft.questions):
            return False
        try:
            check_questions(draft.questions)
        except SurveyError as exc:
            await self.alert(exc.message)
            return True
        draft.questions_done = True
        await self.next_step()
        return True

    async def on_confirm(self, _arg: str) -> bool:
        draft = self.draft
        closes_at = self.closes_at()
        if not draft.reminders_done or closes_at is None:
            return False
        assert draft.title is not None and draft.anonymous is not None
        now_opening = self.opens_at() is None
        try:
            view = await self.context.services.surveys.create(
                author_id=self.context.viewer.id,
                hub_id=self.scope.hub.id if self.scope.hub is not None else None,
                title=draft.title,
                questions=list(draft.questions),
                anonymous=draft.anonymous,
                opens_at=self.start(),
                closes_at=closes_at,
                reminders=self.offsets(draft.reminders),
                before_id=draft.before.id if draft.before is not None else None,
            )
        except SurveyError as exc:
            await self.preview(exc.message)
            return True
        end_flow(self.context)
        reader = self.context.viewer.timezone
        await self.show((later.created_text(view, reader, now_opening), None))
        return True

    async def on_typed(self, step: str, typed: str) -> None:
        draft = self.draft
        text = " ".join(typed.split())
        if step == "title" and draft.title is None:
            try:
                draft.title = clean_title(text)
            except SurveyError as exc:
                await self.next_step(exc.message)
                return
            await self.next_step()
        elif step == "question" and draft.adding and draft.kind and draft.text is None:
            await self.typed_question(text)
        elif step == "option" and draft.adding and draft.text is not None:
            await self.typed_option(text)
        elif step in ("opens", "closes") and draft.anonymous is not None:
            await self.typed_moment(step, text)
        else:
            stop_awaiting(self.context)

    async def typed_question(self, text: str) -> None:
        draft = self.draft
        assert draft.kind is not None
        try:
            check_question(QuestionDraft("text", text))  # the text alone; options come next
        except SurveyError as exc:
            await self.next_step(exc.message)
            return
        draft.text = text
        if draft.kind in screens.CHOICE_KINDS:
            await self.next_step()
        else:
            await self.finish_question()

    async def typed_option(self, text: str) -> None:
        draft = self.draft
        problem = None
        if len(draft.options) >= MAX_OPTIONS:
            problem = _("A question can have at most {count} options.", count=MAX_OPTIONS)
        elif len(text) > MAX_OPTION_LENGTH:
            problem = _(
                "An option is too long: up to {limit} characters, please.", limit=MAX_OPTION_LENGTH
            )
        elif text.casefold() in {option.casefold() for option in draft.options}:
            problem = _("The option “{option}” appears twice.", option=text)
        if problem is None and text:
            draft.options.append(text)
            if len(draft.options) >= MAX_OPTIONS:
                await self.finish_question()
                return
        await self.next_step(problem)
