"""The one place that wires the application: services, handlers in order, start-up and shutdown."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Bot, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults

from bot import menus
from bot.clock import Clock
from bot.config import Config
from bot.context import BotApplication, BotContext, BotData, Services
from bot.db import Database
from bot.db.attendance import AttendanceRepository
from bot.db.broadcasts import BroadcastRepository
from bot.db.exports import ExportRepository
from bot.db.hubs import HubRepository
from bot.db.maintenance import MaintenanceRepository
from bot.db.meeting_settings import MeetingSettingsRepository
from bot.db.meetings import MeetingRepository
from bot.db.memberships import MembershipRepository
from bot.db.mydata import MyDataRepository
from bot.db.outbox import OutboxRepository
from bot.db.polls import PollRepository
from bot.db.prompts import PromptRepository
from bot.db.questions import QuestionRepository
from bot.db.quiet import QuietRepository
from bot.db.reflections import ReflectionRepository
from bot.db.retention import RetentionRepository
from bot.db.schedules import ScheduleRepository
from bot.db.stats import StatsRepository
from bot.db.suggestions import SuggestionRepository
from bot.db.survey_results import SurveyResultsRepository
from bot.db.surveys import SurveyRepository
from bot.db.users import UserRepository
from bot.handlers import (
    already_answered,
    answering,
    attendance,
    broadcasts,
    calendar,
    errors,
    exports,
    fallback,
    faq,
    feedback,
    gate,
    hubs,
    hubsettings,
    journal,
    meeting_flow,
    meeting_settings,
    meetings,
    members,
    mydata,
    onboarding,
    poll_flow,
    polls,
    prompt_flow,
    prompt_settings,
    prompts,
    questions,
    quiet,
    reflections,
    settings,
    stats,
    survey_answer,
    survey_flow,
    survey_results,
)
from bot.incoming import CleanInputApplication
from bot.logs import protect_secret
from bot.pacing import TelegramPacer
from bot.services.access import AccessService
from bot.services.attendance import AttendanceService
from bot.services.backups import BackupService
from bot.services.broadcasts import KIND as BROADCAST_KIND
from bot.services.broadcasts import BroadcastService
from bot.services.delivery import DeliveryWorker
from bot.services.exports import ExportService
from bot.services.forget import ForgetService
from bot.services.hubs import HubService
from bot.services.meeting_fanout import POST_KIND as MEETING_POST_KIND
from bot.services.meeting_fanout import REMINDER_KIND as MEETING_REMINDER_KIND
from bot.services.meeting_settings import MeetingSettingsService
from bot.services.meetings import MeetingService
from bot.services.mydata import MyDataService
from bot.services.polls import REMIND_KIND as POLL_REMIND_KIND
from bot.services.polls import PollService
from bot.services.prompt_fanout import KIND as PROMPT_KIND
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
from bot.services.surveys import INVITE_KIND as SURVEY_INVITE_KIND
from bot.services.surveys import REMINDER_KIND as SURVEY_REMINDER_KIND
from bot.services.surveys import SurveyService
from bot.services.users import UserService
from bot.startup import WatchedRequest
from bot.updates import PerSenderUpdateProcessor

log = logging.getLogger(__name__)

# Updates handled at once (different senders only: one sender's updates run in order).
CONCURRENT_UPDATES = 8
# HTTP connections to the Bot API. httpcore's pool does work per waiting request on every
# event, so requests beyond this wait in our own queues (the worker's semaphore) instead.
CONNECTIONS = 8
# The update kinds the bot acts on; anything else is not even fetched.
ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.CALLBACK_QUERY,
    Update.MY_CHAT_MEMBER,
    Update.POLL_ANSWER,
    Update.POLL,
]


def build_services(
    config: Config, bot: Bot, pacer: TelegramPacer, clock: Clock | None = None
) -> Services:
    """Construct repositories and services; nothing is opened or started until ``post_init``."""
    db = Database(config.database.path, busy_timeout_ms=config.database.busy_timeout_ms)
    users, hub_rows, memberships = UserRepository(db), HubRepository(db), MembershipRepository(db)
    outbox, schedules = OutboxRepository(db), ScheduleRepository(db)
    admins = frozenset(config.access.admins)
    hubs = HubService(hub_rows, memberships)
    user_service = UserService(
        users,
        default_locale=config.i18n.default_locale,
        default_timezone=config.defaults.timezone,
        admins=admins,
    )
    scheduler = Scheduler(db, schedules, clock or Clock())

    async def blocked(user_id: int) -> None:
        await user_service.set_blocked(user_id, True)

    async def migrated(old_chat_id: int, new_chat_id: int) -> None:
        await hubs.group_migrated(old_chat_id, new_chat_id)

    delivery = DeliveryWorker(
        bot,
        outbox,
        config.delivery,
        pacer,
        on_blocked=blocked,
        on_migrated=migrated,
        concurrency=CONNECTIONS // 2,  # leave half the connections for direct replies
    )
    # A direct reply to a chat out of budget waits in the outbox, not in the handler.
    pacer.overflow = delivery.defer_reply
    broadcasts = BroadcastService(
        db,
        BroadcastRepository(db),
        hub_rows,
        outbox,
        schedules,
        scheduler,
        user_service,
        default_locale=config.i18n.default_locale,
    )
    delivery.on_progress(BROADCAST_KIND, broadcasts.on_delivery_progress)
    questions = QuestionService(
        db,
        QuestionRepository(db),
        hub_rows,
        memberships,
        user_service,
    )
    prompt_service = PromptService(
        db,
        PromptRepository(db),
        hub_rows,
        schedules,
        scheduler,
        user_service.locale_of,
        default_locale=config.i18n.default_locale,
        grace=timedelta(hours=config.prompts.grace_hours),
        nudge_check=timedelta(minutes=config.prompts.nudge_check_minutes),
    )
    delivery.on_progress(PROMPT_KIND, prompt_service.on_delivery_progress)
    hubs.on_membership_change(prompt_service.membership_changed)
    reflection_service = ReflectionService(
        db,
        ReflectionRepository(db),
        hub_rows,
        memberships,
        user_service,
        prompt_service,
        clock=clock or Clock(),
        window=timedelta(minutes=config.reflections.window_minutes),
    )
    scheduler.after_fire(delivery.wake)
    # Quiet hours and pauses hold rows on the scheduler's clock; the worker asks before sending.
    quiet_service = QuietService(
        QuietRepository(db),
        outbox,
        scheduler.clock,
        default_timezone=config.defaults.timezone,
        wake=delivery.wake,
    )
    delivery.on_hold(quiet_service.hold_rows)
    meeting_service = MeetingService(
        db,
        MeetingRepository(db),
        hub_rows,
        memberships,
        scheduler,
        bot,
        default_locale=config.i18n.default_locale,
    )
    delivery.on_progress(MEETING_POST_KIND, meeting_service.on_post_progress)
    delivery.on_check(MEETING_REMINDER_KIND, meeting_service.reminders.check)
    meeting_settings_service = MeetingSettingsService(MeetingSettingsRepository(db))
    # New reminder offsets re-write the reminders of the hub's upcoming meetings.
    meeting_settings_service.on_offsets_changed(meeting_service.offsets_changed)
    access = AccessService(hub_rows, memberships, admins)
    attendance_service = AttendanceService(
        db,
        AttendanceRepository(db),
        meeting_service,
        access,
        scheduler,
        default_locale=config.i18n.default_locale,
    )
    poll_service = PollService(
        db,
        PollRepository(db),
        hub_rows,
        memberships,
        scheduler,
        bot,
        default_locale=config.i18n.default_locale,
        pacer=pacer,
        delivery=config.delivery,
        on_blocked=blocked,
        wake_delivery=delivery.wake,
        locale_of=user_service.locale_of,
    )
    # A reminder to vote that waited (quiet hours) goes not to who voted meanwhile, nor after close.
    delivery.on_check(POLL_REMIND_KIND, poll_service.check_reminders)
    survey_service = SurveyService(
        db,
        SurveyRepository(db),
        hub_rows,
        memberships,
        outbox,
        scheduler,
        user_service,
        default_locale=config.i18n.default_locale,
    )
    # An invitation or reminder that waited (quiet hours) goes not after the deadline, nor to
    # who has finished meanwhile.
    delivery.on_check(SURVEY_INVITE_KIND, survey_service.check_rows)
    delivery.on_check(SURVEY_REMINDER_KIND, survey_service.check_rows)
    search = SearchService(db)
    suggestion_service = SuggestionService(
        db, SuggestionRepository(db), QuestionRepository(db), memberships, search.similar
    )
    my_data = MyDataRepository(db)
    return Services(
        config=config,
        db=db,
        users=user_service,
        hubs=hubs,
        access=access,
        outbox=outbox,
        delivery=delivery,
        scheduler=scheduler,
        broadcasts=broadcasts,
        questions=questions,
        prompts=prompt_service,
        reflections=reflection_service,
        quiet=quiet_service,
        meeting_settings=meeting_settings_service,
        meetings=meeting_service,
        attendance=attendance_service,
        polls=poll_service,
        surveys=survey_service,
        survey_results=SurveyResultsService(SurveyResultsRepository(db), access),
        search=search,
        suggestions=suggestion_service,
        retention=RetentionService(
            RetentionRepository(db), MaintenanceRepository(db), scheduler.clock, config.retention
        ),
        backups=BackupService(db, MaintenanceRepository(db), scheduler.clock, config.backups),
        exports=ExportService(ExportRepository(db)),
        mydata=MyDataService(my_data),
        forget=ForgetService(db, my_data, hub_rows, on_left=hubs.membership_ended),
        stats=StatsService(StatsRepository(db), hub_rows, access, scheduler.clock),
    )


def build_application(config: Config, *, clock: Clock | None = None) -> BotApplication:
    """Build the Application for ``config``; run it with ``run_polling`` or ``run_webhook``."""
    protect_secret(config.telegram.token)
    delivery = config.delivery
    pacer = TelegramPacer(
        delivery.messages_per_second,
        private_chat_per_second=delivery.private_chat_per_second,
        group_per_minute=delivery.group_per_minute,
    )
    app = (
        ApplicationBuilder()
        # Bidi marks copied with a command are dropped before routing (bot/incoming.py).
        .application_class(CleanInputApplication)
        .token(config.telegram.token)
        .base_url(config.telegram.base_url)
        .base_file_url(config.telegram.base_file_url)
        .context_types(ContextTypes(context=BotContext, bot_data=BotData))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .rate_limiter(pacer)
        .concurrent_updates(PerSenderUpdateProcessor(CONCURRENT_UPDATES))
        # PTB's default is one connection; concurrent handlers would queue on it.
        .connection_pool_size(CONNECTIONS)
        .pool_timeout(10)
        # Long polling on its own connection, which says once when the Bot API is lost.
        .get_updates_request(WatchedRequest(connection_pool_size=1))
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
        .build()
    )
    app.bot_data.services = build_services(config, app.bot, pacer, clock)
    register_handlers(app)
    return app


def register_handlers(app: Application) -> None:
    """Order matters.

    group -100  the gate: records the sender, sets their locale, stops ignored updates;
    group 0     feature handlers (one module each), then the fallbacks for unknown commands and
                stale buttons, which must come last in the group so they only see the leftovers;
    group 5     a private reply to a prompt or its nudge: a reflection (it stops the update);
    group 10+   consumers of typed answers to a question the bot asked (they stop the update):
                10 a time zone, 11 a hub's time zone, 12 an announcement, 13 a question,
                14 the /prompt flow, 15 a hub's prompt settings, 16 a hub's meeting settings,
                17 quiet hours or a pause, 18 the /meeting flow, 19 a meeting feedback sentence,
                20 the /poll flow, 21 a survey's free-text answer, 22 the /survey builder;
    group 80    a reflection typed after ✍️ Answer, and messages that follow one within its window;
    group 90    the reply to stray private text nobody consumed.
    """
    gate.register(app)
    onboarding.register(app)
    settings.register(app)
    hubs.register(app)
    members.register(app)
    hubsettings.register(app)
    broadcasts.register(app)
    questions.register(app)
    already_answered.register(app)
    answering.register(app)
    faq.register(app)
    prompts.register(app)
    prompt_flow.register(app)
    prompt_settings.register(app)
    reflections.register(app)
    journal.register(app)
    quiet.register(app)
    meeting_flow.register(app)
    meeting_settings.register(app)
    polls.register(app)
    meetings.register(app)
    calendar.register(app)
    attendance.register(app)
    feedback.register(app)
    poll_flow.register(app)
    survey_answer.register(app)
    survey_flow.register(app)
    survey_results.register(app)
    exports.register(app)
    mydata.register(app)
    stats.register(app)
    fallback.register(app)
    app.add_error_handler(errors.error_handler)


async def post_init(app: Application) -> None:
    """Open the database (migrating it) and set the command menus."""
    services: Services = app.bot_data.services
    version = await services.db.open()
    log.info("database %s at schema version %s", services.db.path, version)
    await menus.set_default_menus(app.bot, services)
    await services.delivery.start()
    assert app.job_queue is not None
    await services.scheduler.start(app.job_queue)
    await services.retention.install()  # daily jobs: data minimisation and backups
    await services.backups.install()
    services.retention.job.start(app.job_queue)
    services.backups.job.start(app.job_queue)
    services.prompts.start(app.job_queue)
    services.quiet.start(app.job_queue)
    services.stats.start(app.job_queue)
    await services.polls.start()  # resumes poll sends and stops a restart interrupted
    log.info("bot @%s is ready", app.bot.username)


async def post_stop(app: Application) -> None:
    """Let the delivery batch in flight finish and record its outcomes."""
    services: Services = app.bot_data.services
    await services.meetings.posts.stop()
    await services.polls.stop()
    services.retention.job.stop()
    services.backups.job.stop()
    await services.surveys.stop()
    await services.delivery.stop()


async def post_shutdown(app: Application) -> None:
    services: Services = app.bot_data.services
    await services.db.close()
