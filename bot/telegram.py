"""python-telegram-bot adapter: handlers, admin checks, rate limits, delivery and error handling.

All conversation logic lives in bot.service; this module only moves messages between Telegram and the service.
The service blocks (embedding, rebuilding), so it runs in worker threads and the event loop stays responsive.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
    InlineQueryHandler,
    InvalidCallbackData,
    MessageHandler,
    filters,
)

from bot.formatting import esc, html_to_text, split_html
from bot.messages import Lang, detect_language, text
from bot.service import (
    ChatService,
    EngineLike,
    InboundLimiter,
    Incoming,
    Reply,
    SourceRef,
    failure_cause,
    find_links,
    is_links_only,
    parse_command,
    poll_html,
)
from retrieval.config import Settings
from retrieval.errors import ConfigError

log = logging.getLogger(__name__)

# Retries of a request answered 429: each waits the server's retry_after, so a message is delivered exactly once.
RATE_LIMIT_RETRIES = 3
# Inbound questions per user: enough for a conversation, not for a flood (one notice, then silence).
THROTTLE_MESSAGES = 5
THROTTLE_PERIOD = 10.0
# Telegram refreshes "typing…" for about 5 s; progress edits are spaced to stay far below edit limits.
TYPING_REFRESH = 4.0
PROGRESS_EDIT_INTERVAL = 1.0
# Startup (getMe, deleteWebhook) retries a brief network failure this many times, then exits with code 1.
BOOTSTRAP_RETRIES = 2
# Long-polling wait; short enough that SIGTERM is honoured within seconds.
POLL_TIMEOUT = 10
# "Show source" buttons remembered by python-telegram-bot's callback-data cache (arbitrary_callback_data): the
# button carries a random id, never guessable, and older buttons answer "please ask again".
SOURCE_BUTTONS = 2000
# Seconds Telegram may reuse an inline answer for the same query text (the articles change only on a rebuild).
INLINE_CACHE_SECONDS = 60

SERVICE = "service"
ENGINE = "engine"
LIMITER = "limiter"
REINDEX_LOCK = "reindex_lock"
BACKGROUND = "background_tasks"
FEED_JOB = "newsbot-feeds"  # the JobQueue job that polls feeds every NEWSBOT_FEED_INTERVAL seconds
FEED_FIRST_RUN = 10.0  # seconds after start: the bot answers first, then catches up on its feeds
T = TypeVar("T")

_NEW_MESSAGES = filters.UpdateType.MESSAGE  # edits are ignored: an edited /reindex must not run twice


# --- keeping the token out of logs -------------------------------------------------------------------------------

REDACTED = "[REDACTED]"
_secrets: set[str] = set()
_factory_installed = False


def redact(value: str) -> str:
    """The text with every registered secret replaced."""
    for secret in sorted(_secrets, key=len, reverse=True):
        value = value.replace(secret, REDACTED)
    return value


def _scrub(record: logging.LogRecord) -> None:
    if not _secrets:
        return
    try:
        message = record.getMessage()
    except Exception:  # a broken format string is logging's problem to report, not ours
        return
    clean = redact(message)
    if clean != message:
        record.msg, record.args = clean, None
    if record.exc_info and record.exc_info[1] is not None:
        formatted = record.exc_text or logging.Formatter().formatException(record.exc_info)
        cleaned = redact(formatted)
        if cleaned != formatted or record.exc_text:
            record.exc_text = cleaned  # the formatter uses the cached text instead of re-rendering the exception
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


class SecretRedactingFilter(logging.Filter):
    """Removes registered secrets (the bot token) from a record's message, traceback and stack."""

    def filter(self, record: logging.LogRecord) -> bool:
        _scrub(record)
        return True


class _StartupFailureReportedByUs(logging.Filter):
    """Drops PTB's tracebacks for a rejected token or an unreachable API at startup: run_polling prints one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, InvalidToken):
            return False
        return not (isinstance(error, NetworkError) and "Bootstrap" in record.getMessage())


_PTB_LOGGERS = (
    "telegram.ext",
    "telegram.ext.Application",
    "telegram.ext.Updater",
    "telegram.Bot",
    "telegram.ext.ExtBot",
)


def protect_secret_in_logs(secret: str) -> None:
    """Keep `secret` out of every log line: silence httpx's request log and redact records everywhere.

    httpx logs each request URL at INFO and PTB logs the API URL at DEBUG; both contain the token. Records are
    scrubbed when created (covers handlers added later) and by a filter on the root handlers (defence in depth).
    """
    global _factory_installed
    if secret:
        _secrets.add(secret)
        _, _, tail = secret.partition(":")
        if len(tail) >= 8:
            _secrets.add(tail)
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    if not _factory_installed:
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            _scrub(record)
            return record

        logging.setLogRecordFactory(factory)
        _factory_installed = True
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, SecretRedactingFilter) for f in handler.filters):
            handler.addFilter(SecretRedactingFilter())
    for name in _PTB_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _StartupFailureReportedByUs) for f in logger.filters):
            logger.addFilter(_StartupFailureReportedByUs())


# --- application ---------------------------------------------------------------------------------------------


def bot_file_url(api_url: str) -> str:
    """The file-download base matching a Bot API base URL: https://host/bot → https://host/file/bot."""
    base = api_url.rstrip("/")
    head, _, tail = base.rpartition("/")
    return f"{head}/file/{tail}" if head and tail else f"{base}/file"


def _token(settings: Settings) -> str:
    token = settings.telegram_token.get_secret_value().strip() if settings.telegram_token else ""
    if not token:
        raise ConfigError("NEWSBOT_TELEGRAM_TOKEN is not set")
    return token


def build_application(settings: Settings, engine: EngineLike) -> Application[Any, Any, Any, Any, Any, Any]:
    """The wired Application: handlers, error handler, rate limiter; engine and service in bot_data."""
    token = _token(settings)
    protect_secret_in_logs(token)
    if settings.llm_api_key is not None:  # the language model's key, when one is configured
        protect_secret_in_logs(settings.llm_api_key.get_secret_value().strip())
    app = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.telegram_api_url)
        .base_file_url(bot_file_url(settings.telegram_api_url))
        .concurrent_updates(True)
        .rate_limiter(AIORateLimiter(max_retries=RATE_LIMIT_RETRIES))
        .arbitrary_callback_data(SOURCE_BUTTONS)
        .post_init(_post_init)
        .post_stop(cancel_background_tasks)
        .build()
    )
    app.bot_data[ENGINE] = engine
    app.bot_data[SERVICE] = ChatService(engine, settings)
    app.bot_data[LIMITER] = InboundLimiter(THROTTLE_MESSAGES, THROTTLE_PERIOD)
    # The bot's one guard on rebuilds (the engine's file lock guards them across processes).
    app.bot_data[REINDEX_LOCK] = asyncio.Lock()
    app.bot_data[BACKGROUND] = set()

    app.add_handler(CommandHandler(["start", "help"], cmd_help, filters=_NEW_MESSAGES))
    app.add_handler(CommandHandler("ask", cmd_ask, filters=_NEW_MESSAGES))
    app.add_handler(CommandHandler(["latest", "summary", "new", "source"], cmd_conversation, filters=_NEW_MESSAGES))
    app.add_handler(CommandHandler("stats", cmd_stats, filters=_NEW_MESSAGES))
    app.add_handler(CommandHandler("reindex", cmd_reindex, filters=_NEW_MESSAGES))
    app.add_handler(CommandHandler(["add", "feeds"], cmd_ingest, filters=_NEW_MESSAGES))
    app.add_handler(MessageHandler(filters.Document.ALL & _NEW_MESSAGES, on_document))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & _NEW_MESSAGES, on_text))
    private = filters.ChatType.PRIVATE & _NEW_MESSAGES
    # other commands in private chats: the service answers or explains
    app.add_handler(MessageHandler(filters.COMMAND & private, on_other_command))
    # stickers, photos, voice… in private chats: a polite hint instead of silence
    app.add_handler(
        MessageHandler(~filters.TEXT & ~filters.Document.ALL & ~filters.StatusUpdate.ALL & private, on_other)
    )
    app.add_handler(InlineQueryHandler(on_inline_query))
    app.add_handler(CallbackQueryHandler(on_source_button, pattern=SourceRef))
    app.add_handler(CallbackQueryHandler(on_stale_button))  # anything else, expired ids included: still answered
    app.add_error_handler(on_error)
    if settings.feed_interval > 0:
        if app.job_queue is None:  # pragma: no cover - the job-queue extra is a dependency
            log.warning("NEWSBOT_FEED_INTERVAL is set but python-telegram-bot's job queue is not installed")
        else:
            app.job_queue.run_repeating(
                poll_feeds_job, interval=settings.feed_interval, first=FEED_FIRST_RUN, name=FEED_JOB
            )
    return app


async def _post_init(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Publish the command menu (best effort)."""
    commands = [
        BotCommand("ask", "提问 / ask a question"),
        BotCommand("latest", "最新文章 / newest articles"),
        BotCommand("summary", "文章摘要 / summary of an article"),
        BotCommand("source", "上一条回答的原文 / source of the last answer"),
        BotCommand("new", "新话题 / start over"),
        BotCommand("help", "帮助 / help"),
        BotCommand("stats", "索引信息 / index stats (admin)"),
        BotCommand("reindex", "重建索引 / rebuild the index (admin)"),
        BotCommand("add", "按链接添加文章 / add an article by link (admin)"),
        BotCommand("feeds", "订阅源 / feeds (admin)"),
    ]
    try:
        await app.bot.set_my_commands(commands)
    except TelegramError as exc:
        log.warning("could not set the command menu: %s", exc)


async def cancel_background_tasks(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Stop waiting for rebuilds at shutdown; their daemon threads finish or die with the process."""
    tasks: set[asyncio.Task[None]] = app.bot_data.get(BACKGROUND, set())
    for task in list(tasks):
        task.cancel()
    if tasks:
        await asyncio.gather(*tasks, return_exceptions=True)


def run_polling(settings: Settings, engine: EngineLike) -> int:
    """`newsbot run`: long polling until SIGINT/SIGTERM; exit code 1 with a one-line error for a bad token."""
    return _run(
        settings,
        engine,
        lambda app: app.run_polling(
            allowed_updates=Update.ALL_TYPES,
            timeout=POLL_TIMEOUT,
            bootstrap_retries=BOOTSTRAP_RETRIES,
            stop_signals=(signal.SIGINT, signal.SIGTERM),
        ),
    )


def run_webhook(settings: Settings, engine: EngineLike) -> int:
    """`newsbot run` with NEWSBOT_WEBHOOK_URL: registers the webhook and serves it until SIGINT/SIGTERM.

    Updates without Telegram's secret-token header (NEWSBOT_WEBHOOK_SECRET) are refused with 403 by
    python-telegram-bot's webhook server. Per-user limits stay per process (see README).
    """
    url = settings.webhook_url or ""
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
    protect_secret_in_logs(secret)
    return _run(
        settings,
        engine,
        lambda app: app.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=urlsplit(url).path.lstrip("/"),
            webhook_url=url,
            secret_token=secret,
            allowed_updates=Update.ALL_TYPES,
            bootstrap_retries=BOOTSTRAP_RETRIES,
            stop_signals=(signal.SIGINT, signal.SIGTERM),
        ),
    )


def _run(settings: Settings, engine: EngineLike, start: Callable[[Any], None]) -> int:
    """Build the application and start it; exit code 1 with a one-line error for a missing or bad token."""
    if not (settings.telegram_token and settings.telegram_token.get_secret_value().strip()):
        print("newsbot: error: NEWSBOT_TELEGRAM_TOKEN is not set; get a token from @BotFather", file=sys.stderr)
        return 1
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = build_application(settings, engine)
    # A fresh loop per call (run_polling closes the loop it ran on), so a second call in one process works.
    asyncio.set_event_loop(asyncio.new_event_loop())
    try:
        start(app)
    except InvalidToken:
        print("newsbot: error: Telegram rejected the bot token (check NEWSBOT_TELEGRAM_TOKEN)", file=sys.stderr)
        return 1
    except NetworkError as exc:
        print(f"newsbot: error: cannot reach the Bot API at startup: {redact(str(exc))}", file=sys.stderr)
        return 1
    return 0


# --- helpers ---------------------------------------------------------------------------------------------------


Context = ContextTypes.DEFAULT_TYPE


def _service(context: Context) -> ChatService:
    service: ChatService = context.bot_data[SERVICE]
    return service


def _is_admin(update: Update, context: Context) -> bool:
    user = update.effective_user
    return user is not None and _service(context).is_admin(user.id)


def _lang(update: Update, sample: str | None = None) -> Lang:
    user = update.effective_user
    return detect_language(sample, user.language_code if user else None)


def _markup(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=b.payload)] for b in reply.buttons])


async def send_replies(
    bot: ExtBot[Any], chat_id: int, replies: Iterable[Reply], *, reply_to: int | None = None
) -> list[Message]:
    """Send replies as HTML, split into valid parts; buttons under the last part. A blocked chat (403) is skipped."""
    sent: list[Message] = []
    for reply in replies:
        parts = split_html(reply.html)
        for i, part in enumerate(parts):
            kwargs: dict[str, Any] = {
                "reply_markup": _markup(reply) if i == len(parts) - 1 else None,
                "link_preview_options": LinkPreviewOptions(is_disabled=True),
            }
            if reply_to is not None and not sent:
                kwargs["reply_parameters"] = ReplyParameters(reply_to, allow_sending_without_reply=True)
            try:
                try:
                    message = await bot.send_message(chat_id, part, parse_mode=ParseMode.HTML, **kwargs)
                except BadRequest as exc:
                    if "parse" not in exc.message.lower():
                        raise
                    log.warning("HTML refused (%s); sending plain text", exc.message)
                    message = await bot.send_message(chat_id, html_to_text(part), **kwargs)
            except Forbidden as exc:
                log.warning("chat %s cannot receive messages (%s); skipped", chat_id, exc.message)
                return sent
            sent.append(message)
    return sent


@contextlib.asynccontextmanager
async def typing(bot: ExtBot[Any], chat_id: int) -> AsyncIterator[None]:
    """Show "typing…" in the chat while the block runs (refreshed; failures only logged)."""

    async def send() -> bool:
        try:
            await bot.send_chat_action(chat_id, ChatAction.TYPING)
            return True
        except TelegramError as exc:
            log.debug("typing action failed: %s", exc)
            return False

    async def keep_typing() -> None:
        while True:
            await asyncio.sleep(TYPING_REFRESH)
            if not await send():
                return

    await send()  # shown before the work starts, even when the answer is quick
    task = asyncio.create_task(keep_typing())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _reply_to(update: Update) -> int | None:
    chat, message = update.effective_chat, update.effective_message
    if chat is not None and chat.type != ChatType.PRIVATE and message is not None:
        return message.message_id
    return None


async def _answer(update: Update, context: Context, message_text: str) -> None:
    """Throttle, show typing, run the service in a thread, send the replies."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    verdict = context.bot_data[LIMITER].check(user.id)
    if verdict == "drop":
        return
    if verdict == "notice":
        await send_replies(context.bot, chat.id, [Reply(esc(text(_lang(update, message_text), "throttled")))])
        return
    incoming = Incoming(
        user_id=user.id,
        text=message_text,
        is_admin=_service(context).is_admin(user.id),
        chat_id=chat.id,
        chat_type=chat.type,
        language_code=user.language_code,
    )
    async with typing(context.bot, chat.id):
        replies = await asyncio.to_thread(_service(context).handle, incoming)
    await send_replies(context.bot, chat.id, replies, reply_to=_reply_to(update))


# --- handlers --------------------------------------------------------------------------------------------------


async def cmd_help(update: Update, context: Context) -> None:
    """/start and /help: what the bot knows and example questions."""
    if update.effective_chat is None:
        return
    replies = await asyncio.to_thread(_service(context).help, _lang(update))
    await send_replies(context.bot, update.effective_chat.id, replies, reply_to=_reply_to(update))


async def cmd_ask(update: Update, context: Context) -> None:
    """/ask <question>: answer (the way to ask in groups)."""
    message = update.effective_message
    if message is not None and message.text is not None:
        await _answer(update, context, message.text)


async def on_text(update: Update, context: Context) -> None:
    """Plain text: a question in private chats; in groups only when the bot is mentioned or replied to."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or message.text is None:
        return
    question = message.text
    if chat.type != ChatType.PRIVATE:
        replied = message.reply_to_message
        addressed = bool(replied and replied.from_user and replied.from_user.id == context.bot.id)
        mention = f"@{context.bot.username}".lower() if context.bot.username else None
        for value in message.parse_entities([MessageEntity.MENTION]).values():
            if mention and value.lower() == mention:
                addressed = True
                question = question.replace(value, " ", 1)
        if not addressed:
            return
    elif _is_admin(update, context) and is_links_only(question):  # an admin's links in a private chat: add them
        await _add_links(update, context, find_links(question), _lang(update))
        return
    await _answer(update, context, question)


async def on_other_command(update: Update, context: Context) -> None:
    """A command without its own handler, in a private chat (one addressed to another bot is ignored)."""
    message = update.effective_message
    if message is None or message.text is None or "@" in message.text.split(maxsplit=1)[0]:
        return
    await _command_via_service(update, context, "/help")


async def on_other(update: Update, context: Context) -> None:
    """A message without text (sticker, photo, voice) in a private chat."""
    if update.effective_chat is not None:
        reply = Reply(esc(text(_lang(update), "not_a_question")))
        await send_replies(context.bot, update.effective_chat.id, [reply])


async def on_inline_query(update: Update, context: Context) -> None:
    """@bot question from any chat: the short answer with its source, rate-limited like messages."""
    query = update.inline_query
    if query is None:
        return
    if not query.query.strip():
        await query.answer([], cache_time=INLINE_CACHE_SECONDS)
        return
    user = query.from_user
    verdict = context.bot_data[LIMITER].check(user.id)
    if verdict != "ok":  # too many questions: one notice as the only result, then nothing until the window passes
        notice = text(detect_language(query.query, user.language_code), "throttled")
        results = [_inline_article("throttled", notice, "", esc(notice))] if verdict == "notice" else []
        await query.answer(results, cache_time=0, is_personal=True)
        return
    found = await asyncio.to_thread(
        _service(context).inline, query.query, language_code=user.language_code, user_id=user.id
    )
    results = [_inline_article(r.id, r.title, r.description, r.html) for r in found]
    await query.answer(results, cache_time=INLINE_CACHE_SECONDS)


def _inline_article(result_id: str, title: str, description: str, html: str) -> InlineQueryResultArticle:
    return InlineQueryResultArticle(
        result_id,
        title,
        InputTextMessageContent(
            html, parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)
        ),
        description=description or None,
    )


async def on_source_button(update: Update, context: Context) -> None:
    """The "show source" button: the full passage and link, only in the chat the answer was given in."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    chat_id = query.message.chat.id if query.message is not None else query.from_user.id
    replies = _service(context).source(query.data, chat_id, detect_language(None, query.from_user.language_code))
    await send_replies(context.bot, chat_id, replies)


async def on_stale_button(update: Update, context: Context) -> None:
    """A button the bot no longer knows (restarted, expired) or never made: answered, so the client stops waiting."""
    query = update.callback_query
    if query is None:
        return
    if isinstance(query.data, InvalidCallbackData):
        log.info("unknown or expired button pressed by %s", query.from_user.id)
    await query.answer(text(detect_language(None, query.from_user.language_code), "source_gone"))


async def cmd_conversation(update: Update, context: Context) -> None:
    """/latest [topic], /summary [N], /new, /source: in any chat, answered by the service with that chat's memory."""
    if update.effective_chat is None:
        return
    async with typing(context.bot, update.effective_chat.id):
        await _command_via_service(update, context, "/help")


async def cmd_stats(update: Update, context: Context) -> None:
    """/stats (admin): index facts and the last rebuild."""
    await _command_via_service(update, context, "/stats")


async def _command_via_service(update: Update, context: Context, default: str) -> None:
    user, chat, message = update.effective_user, update.effective_chat, update.effective_message
    if user is None or chat is None or message is None:
        return
    incoming = Incoming(
        user_id=user.id,
        text=message.text or default,
        is_admin=_service(context).is_admin(user.id),
        chat_id=chat.id,
        chat_type=chat.type,
        language_code=user.language_code,
    )
    replies = await asyncio.to_thread(_service(context).handle, incoming)
    await send_replies(context.bot, chat.id, replies, reply_to=_reply_to(update))


async def cmd_reindex(update: Update, context: Context) -> None:
    """/reindex [full] (admin): rebuild in the background, progress edited in place, result posted."""
    user, chat, message = update.effective_user, update.effective_chat, update.effective_message
    if user is None or chat is None or message is None:
        return
    args = " ".join(context.args or [])
    lang = _lang(update)  # "full" is a keyword, not the user's language
    if not _service(context).is_admin(user.id):
        log.info("refused /reindex from non-admin %s", user.id)
        await send_replies(context.bot, chat.id, [Reply(esc(text(lang, "admin_only")))], reply_to=_reply_to(update))
        return
    if context.bot_data[REINDEX_LOCK].locked():
        await send_replies(context.bot, chat.id, [Reply(esc(text(lang, "reindex_running")))])
        return
    start_reindex(context.application, chat.id, lang, full=args.strip().lower() in ("full", "--full"))


def start_reindex(
    app: Application[Any, Any, Any, Any, Any, Any], chat_id: int, lang: Lang, *, full: bool = False
) -> asyncio.Task[None]:
    """Run a rebuild as a background task (queued behind a running one, e.g. for uploads); returns at once."""
    task = asyncio.create_task(_reindex(app, chat_id, lang, full), name="newsbot-reindex")
    background: set[asyncio.Task[None]] = app.bot_data[BACKGROUND]
    background.add(task)
    task.add_done_callback(background.discard)
    return task


def _in_daemon_thread(fn: Callable[[], T]) -> asyncio.Future[T]:
    """Run a blocking call in a daemon thread so a long rebuild never holds up process exit."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def deliver(setter: Callable[[Any], None], value: Any) -> None:
        if not future.done():
            setter(value)

    def work() -> None:
        try:
            result = fn()
        except BaseException as exc:
            with contextlib.suppress(RuntimeError):  # loop closed: nobody is waiting any more
                loop.call_soon_threadsafe(deliver, future.set_exception, exc)
        else:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(deliver, future.set_result, result)

    threading.Thread(target=work, name="newsbot-reindex", daemon=True).start()
    return future


async def _reindex(
    app: Application[Any, Any, Any, Any, Any, Any],
    chat_id: int,
    lang: Lang,
    full: bool,
) -> None:
    service: ChatService = app.bot_data[SERVICE]
    bot = app.bot
    async with app.bot_data[REINDEX_LOCK]:
        try:
            progress_message = await bot.send_message(
                chat_id, esc(text(lang, "reindex_started")), parse_mode=ParseMode.HTML
            )
        except TelegramError as exc:
            log.warning("could not post reindex progress: %s", exc)
            progress_message = None
        latest: list[str] = []
        shown = [esc(text(lang, "reindex_started"))]

        async def edit(value: str) -> None:
            if progress_message is None or value == shown[0]:
                return
            try:
                await bot.edit_message_text(
                    value, chat_id=chat_id, message_id=progress_message.message_id, parse_mode=ParseMode.HTML
                )
                shown[0] = value
            except TelegramError as exc:
                log.debug("progress edit failed: %s", exc)

        async def editor() -> None:
            while True:
                await asyncio.sleep(PROGRESS_EDIT_INTERVAL)
                if latest:
                    await edit(latest[-1])

        edits = asyncio.create_task(editor())
        started = time.monotonic()
        try:
            replies = await _in_daemon_thread(lambda: service.reindex(lang, full=full, progress=latest.append))
        except Exception as exc:
            log.exception("reindex crashed")
            replies = [Reply(esc(text(lang, "reindex_failed") + failure_cause(exc, lang)))]
        finally:
            edits.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await edits
        if latest:
            await edit(latest[-1])
        log.info("reindex finished in %.1fs", time.monotonic() - started)
    await send_replies(bot, chat_id, replies)  # after the lock: a /reindex sent on seeing the result is accepted


async def cmd_ingest(update: Update, context: Context) -> None:
    """/add URL… and /feeds [list|add|remove|fetch] (admins): articles saved, then indexed in the background."""
    user, chat, message = update.effective_user, update.effective_chat, update.effective_message
    if user is None or chat is None or message is None or message.text is None:
        return
    command = parse_command(message.text)
    name, args = command if command is not None else ("add", "")
    lang = _lang(update)
    service = _service(context)
    if not service.is_admin(user.id):
        log.info("refused /%s from non-admin %s", name, user.id)
        await send_replies(context.bot, chat.id, [Reply(esc(text(lang, "admin_only")))], reply_to=_reply_to(update))
        return
    if name == "add":
        await _add_links(update, context, find_links(args), lang)
        return
    async with typing(context.bot, chat.id):
        replies, changed = await asyncio.to_thread(service.feeds, args, lang)
    await send_replies(context.bot, chat.id, replies, reply_to=_reply_to(update))
    if changed:
        start_reindex(context.application, chat.id, lang)


async def _add_links(update: Update, context: Context, urls: list[str], lang: Lang) -> None:
    """Fetch and save the articles behind links, reply with one line each, then index them in the background."""
    chat = update.effective_chat
    if chat is None:
        return
    async with typing(context.bot, chat.id):
        replies, changed = await asyncio.to_thread(_service(context).add_links, urls, lang)
    await send_replies(context.bot, chat.id, replies, reply_to=_reply_to(update))
    if changed:
        start_reindex(context.application, chat.id, lang)


async def poll_feeds_job(context: Context) -> None:
    """The schedule (NEWSBOT_FEED_INTERVAL): poll every feed, index what is new, tell the admins what changed."""
    app = context.application
    service: ChatService = app.bot_data[SERVICE]
    try:
        report = await _in_daemon_thread(service.poll_feeds)
    except Exception:
        log.exception("feed poll failed")
        return
    log.info("%s", report.summary())
    for feed in report.feeds:
        if feed.error:
            log.warning("%s", feed.line())
    if not report.changed:
        return
    lang: Lang = "zh"  # a scheduled run has no user to take a language from: Chinese first
    async with app.bot_data[REINDEX_LOCK]:
        replies = await _in_daemon_thread(lambda: service.reindex(lang))
    message = [Reply(poll_html(report, lang)), *replies]
    for admin in sorted(service.settings.admin_ids):
        try:
            await send_replies(app.bot, admin, message)
        except TelegramError as exc:
            log.warning("could not tell admin %s about the feed poll: %s", admin, exc)


async def on_document(update: Update, context: Context) -> None:
    """An admin's article file in a private chat: saved under a safe name, then indexed; others are refused."""
    user, chat, message = update.effective_user, update.effective_chat, update.effective_message
    if user is None or chat is None or message is None or message.document is None:
        return
    if chat.type != ChatType.PRIVATE:
        return  # files shared in groups are not meant for the bot
    service = _service(context)
    lang = _lang(update, message.caption)
    if not service.is_admin(user.id):
        log.info("refused a document from non-admin %s", user.id)
        await send_replies(context.bot, chat.id, [Reply(esc(text(lang, "upload_refused")))])
        return
    document = message.document
    refusal = service.check_upload(document.file_name, document.file_size, lang)
    if refusal:
        await send_replies(context.bot, chat.id, refusal)
        return
    file = await context.bot.get_file(document.file_id)
    data = bytes(await file.download_as_bytearray())
    result = await asyncio.to_thread(service.save_upload, document.file_name, data, lang)
    await send_replies(context.bot, chat.id, result.replies)
    if result.path is not None:
        start_reindex(context.application, chat.id, lang)


async def on_error(update: object, context: Context) -> None:
    """Log every handler error; where an update exists, tell its chat politely."""
    error = context.error
    if isinstance(error, Forbidden):
        log.warning("blocked by a chat, skipped: %s", error.message)
        return
    log.error("error while handling an update", exc_info=error)
    if isinstance(update, Update) and update.callback_query is not None:
        with contextlib.suppress(TelegramError):  # already answered, or too old: nothing more to do
            await update.callback_query.answer()
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await context.bot.send_message(
                update.effective_chat.id, esc(text(_lang(update), "error")), parse_mode=ParseMode.HTML
            )
        except TelegramError as exc:
            log.warning("could not send the error reply: %s", exc)
