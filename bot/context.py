"""The typed callback context: the services, and who the current update is from."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import Config
from bot.db import Database
from bot.db.outbox import OutboxRepository
from bot.services.access import AccessService
from bot.services.attendance import AttendanceService
from bot.services.backups import BackupService
from bot.services.broadcasts import BroadcastService
from bot.services.delivery import DeliveryWorker
from bot.services.exports import ExportService
from bot.services.forget import ForgetService
from bot.services.hubs import HubService
from bot.services.meeting_settings import MeetingSettingsService
from bot.services.meetings import MeetingService
from bot.services.mydata import MyDataService
from bot.services.polls import PollService
from bot.services.prompts import PromptService
from bot.services.questions import QuestionService
from bot.services.quiet import QuietService
from bot.services.reflections import ReflectionService
from bot.services.retention import RetentionService
from bot.services.scheduling import Scheduler
from bot.services.search import SearchService
from bot.services.stats import StatsService
from bot.services.suggestions import SuggestionService
from bot.services.survey_results import SurveyResultsService
from bot.services.surveys import SurveyService
from bot.services.users import UserService, Viewer

_viewer: ContextVar[Viewer | None] = ContextVar("viewer", default=None)
# user_data key: what the bot asked the person to type next (a time zone, an announcement).
AWAITING = "awaiting"


@dataclass
class Services:
    """Everything handlers need, built once in ``build_application``."""

    config: Config
    db: Database
    users: UserService
    hubs: HubService
    access: AccessService
    outbox: OutboxRepository
    delivery: DeliveryWorker
    scheduler: Scheduler
    broadcasts: BroadcastService
    questions: QuestionService
    prompts: PromptService
    reflections: ReflectionService
    quiet: QuietService
    meeting_settings: MeetingSettingsService
    meetings: MeetingService
    attendance: AttendanceService
    polls: PollService
    surveys: SurveyService
    survey_results: SurveyResultsService
    search: SearchService
    suggestions: SuggestionService
    retention: RetentionService
    backups: BackupService
    exports: ExportService
    mydata: MyDataService
    forget: ForgetService
    stats: StatsService


class BotData:
    """``application.bot_data``: PTB creates it empty; ``build_application`` fills it."""

    services: Services


class BotContext(CallbackContext[ExtBot[None], dict, dict, BotData]):
    """A context that knows the services and the viewer (set by the gate for each update)."""

    @property
    def services(self) -> Services:
        return self.bot_data.services

    @property
    def viewer(self) -> Viewer:
        viewer = _viewer.get()
        if viewer is None:
            raise RuntimeError("no viewer: the update did not pass the gate")
        return viewer


def set_viewer(viewer: Viewer | None) -> None:
    _viewer.set(viewer)


BotApplication = Application[ExtBot[None], BotContext, dict, dict, BotData, object]
