"""The coordbot command: console, serve, demo and db (the entry point ``coordbot``)."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError

from bot import logs
from bot.settings import (
    DATABASE_SETTING,
    Settings,
    SettingsError,
    check_database,
    error_reason,
    load_settings,
)

log = logging.getLogger("coordbot")

DESCRIPTION = (
    "coordbot coordinates dev, design, marketing and ops through launches, on Slack, Feishu and a "
    "local console. With no command it opens the console when no chat platform is configured, "
    "and serves otherwise."
)
SETTINGS_HELP = (
    "Settings come from the environment or a .env file: COORDBOT_DATABASE_URL (a SQLite file by "
    "default), COORDBOT_TIMEZONE, COORDBOT_LANGUAGE, COORDBOT_ADMIN_IDS, SLACK_BOT_TOKEN, "
    "SLACK_SIGNING_SECRET, SLACK_APP_TOKEN, FEISHU_APP_ID, FEISHU_APP_SECRET, "
    "FEISHU_VERIFICATION_TOKEN, FEISHU_ENCRYPT_KEY, FEISHU_DOMAIN. See .env.example."
)


def _parse_start(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date/time: {text!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coordbot", description=DESCRIPTION, epilog=SETTINGS_HELP)
    commands = parser.add_subparsers(
        dest="command",
        title="commands",
        metavar="<command>",
        help="console when no chat platform is configured, else serve",
    )
    console = commands.add_parser(
        "console",
        help="talk to coordbot in this terminal",
        description="Talk to coordbot in this terminal: type /coord commands, or :help for the "
        "console's own (switch person or channel, move the clock). A piped script runs and exits.",
    )
    console.add_argument(
        "--start",
        type=_parse_start,
        metavar="ISO",
        help="start the console's clock at this date/time (UTC unless it has an offset); default now",
    )
    console.add_argument("--user", default="alice", help="who you are at the start (default: alice)")
    console.add_argument("--channel", default="general", help="channel at the start (default: general)")
    serve = commands.add_parser(
        "serve",
        help="serve Slack and/or Feishu over HTTP, with the scheduler",
        description="Serve Slack (POST /slack/events) and Feishu (POST /feishu/events) over HTTP, "
        "with GET /healthz, and run the scheduler.",
    )
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on (default: 0.0.0.0)")
    serve.add_argument("--port", type=int, default=3000, help="port to listen on (default: 3000)")
    serve.add_argument(
        "--socket-mode", action="store_true", help="connect to Slack over Socket Mode (needs SLACK_APP_TOKEN)"
    )
    serve.add_argument(
        "--feishu-long-connection",
        action="store_true",
        help="receive Feishu events over its long connection instead of HTTP",
    )
    serve.add_argument("--no-scheduler", action="store_true", help="do not run the scheduler in this process")
    demo = commands.add_parser(
        "demo",
        help="play a scripted two-week launch in a few seconds",
        description="Play a scripted two-week launch on a temporary database, printing what the "
        "scheduler posts.",
    )
    demo.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the demo (default: en)")
    db = commands.add_parser(
        "db", help="database maintenance", description="Database maintenance on COORDBOT_DATABASE_URL."
    )
    db.add_argument("action", choices=("upgrade",), help="upgrade: apply the migrations the database lacks")
    commands.add_parser(
        "doctor",
        help="check the settings: database, Slack, Feishu, channels, the ledger",
        description="Check what the settings point at, one line each with how to fix a problem: "
        "the database is reachable and migrated, the Slack token is valid and has the manifest's "
        "scopes, the Feishu credentials give a tenant token, the configured channels can be posted "
        "in, and the ledger holds no dead messages. Exits 1 when a check fails. Prints no secrets.",
    )
    from bot import template_cli

    template_cli.add_parser(commands)
    from bot import export_cli

    export_cli.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"coordbot: {exc}", file=sys.stderr)
        return 2
    command = args.command or ("serve" if settings.any_platform else "console")
    if args.command is None:
        for sentence in settings.half_configured():
            print(f"coordbot: {sentence}; opening the console.", file=sys.stderr)
    if command in ("console", "db", "export") or (command == "serve" and settings.any_platform):
        try:
            check_database(settings.database_url)
        except SettingsError as exc:
            print(f"coordbot: {exc}", file=sys.stderr)
            return 2
    quiet = command in ("console", "demo", "doctor") and "COORDBOT_LOG_LEVEL" not in os.environ
    logs.configure("WARNING" if quiet else settings.log_level.upper(), settings.log_format)
    try:
        if command == "console":
            return run_console(
                settings,
                getattr(args, "start", None),
                getattr(args, "user", "alice"),
                getattr(args, "channel", "general"),
            )
        if command == "serve":
            # Start-up makes ~190,000 objects that live as long as the process (modules, ORM
            # mappers, SDK models); collecting garbage while they are made was a fifth of it.
            # run_serve freezes them and collects again once it is built.
            gc.disable()
            try:
                from bot.serve import run_serve

                return run_serve(
                    settings,
                    host=getattr(args, "host", "0.0.0.0"),
                    port=getattr(args, "port", 3000),
                    socket_mode=getattr(args, "socket_mode", False),
                    feishu_long_connection=getattr(args, "feishu_long_connection", False),
                    scheduler=not getattr(args, "no_scheduler", False),
                )
            finally:
                gc.enable()
        if command == "doctor":
            from bot.doctor import run_doctor

            return run_doctor(settings, sys.stdout)
        if command == "demo":
            from bot.demo import run_demo

            run_demo(args.lang)
            return 0
        if command == "template":
            from bot import template_cli

            return template_cli.run(args, settings)
        if command == "export":
            from bot import export_cli

            return export_cli.run(args, settings)
        if command == "db":
            from storage.db import Database

            Database(settings.database_url).upgrade()
            print("database is up to date")
            return 0
    except KeyboardInterrupt:
        return 130
    except SQLAlchemyError as exc:  # opened fine, then failed (a migration, a lock): one line, no traceback
        log.debug("database failure", exc_info=True)
        reason = error_reason(getattr(exc, "orig", None) or exc)
        print(f"coordbot: the database ({DATABASE_SETTING}) failed: {reason}", file=sys.stderr)
        return 1
    return 2


def run_console(settings: Settings, start: datetime | None, user: str, channel: str) -> int:
    from bot.app import Services
    from bot.console import Console
    from handlers.clock import ManualClock

    clock = ManualClock(start or datetime.now(UTC).replace(second=0, microsecond=0))
    services = Services.build(settings, clock)
    scheduler = None
    try:
        from bot.scheduler import CoordScheduler
        from bot.sending import ConcurrentSender

        scheduler = CoordScheduler(services, ConcurrentSender(workers=1))  # one console, in order
    except ImportError:
        log.debug("scheduler not available")
    console = Console(services, clock, user=user, channel=channel, scheduler=scheduler)
    if sys.stdin.isatty():
        console.run_interactive()
    else:
        console.run_script(sys.stdin)
    return 0


if __name__ == "__main__":
    sys.exit(main())
