"""``coordbot serve``: one HTTP server (uvicorn) for Slack and Feishu, plus the scheduler."""

from __future__ import annotations

import gc
import logging
import random
import sys

from bot.app import Services
from bot.server import build_asgi_app
from bot.settings import Settings
from handlers.clock import SystemClock

log = logging.getLogger(__name__)


def missing_settings(settings: Settings) -> str:
    half = "".join(f"{sentence}. " for sentence in settings.half_configured())
    return half + (
        "No chat platform is configured. For Slack set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET "
        "(plus SLACK_APP_TOKEN for --socket-mode); for Feishu set FEISHU_APP_ID and FEISHU_APP_SECRET "
        "(plus FEISHU_VERIFICATION_TOKEN and FEISHU_ENCRYPT_KEY for HTTP events). "
        "Without them, run `coordbot console`."
    )


def settle_start_up() -> None:
    """What start-up made lives as long as the process: no collection need look at it again
    (a full collection here found under a thousand objects to free and cost 0.2 s, so none runs).

    ``gc.freeze`` moves every object alive now out of the collector's generations (they are
    still freed when unreferenced), then collection is switched on (``main`` may have switched
    it off for the start-up).
    """
    gc.freeze()
    gc.enable()


def run_serve(
    settings: Settings,
    *,
    host: str,
    port: int,
    socket_mode: bool = False,
    feishu_long_connection: bool = False,
    scheduler: bool = True,
) -> int:
    if not settings.any_platform:
        print(f"coordbot serve: {missing_settings(settings)}", file=sys.stderr)
        return 2
    services = Services.build(settings, SystemClock())
    routes = []
    runtimes = []
    if settings.slack_configured:
        from bot.slack.runtime import create_slack_runtime

        slack = create_slack_runtime(services)
        services.messengers.register(slack.messenger)
        routes.extend(slack.routes)
        runtimes.append(slack)
        slack.start_inbox_sweeper()
        if socket_mode:
            slack.start_socket_mode()
    if settings.feishu_configured:
        from bot.feishu.runtime import create_feishu_runtime

        feishu = create_feishu_runtime(services)
        services.messengers.register(feishu.messenger)
        routes.extend(feishu.routes)
        runtimes.append(feishu)
        feishu.start_inbox_sweeper()
        if feishu_long_connection:
            feishu.start_long_connection()
    from bot.board.web import board_routes

    routes.extend(board_routes(services))
    from bot.feed_web import feed_routes

    routes.extend(feed_routes(services))
    ticker = None
    if scheduler:
        from bot.scheduler import CoordScheduler

        ticker = CoordScheduler(services, stagger=random.Random())  # replicas share a storm
        ticker.start()
    import uvicorn

    if settings.feishu_configured:
        from bot.feishu.sdk import warm_up

        warm_up()  # the SDK's messaging models, while uvicorn starts and before the first message
    app = build_asgi_app(services.db, routes, metrics=settings.metrics, clock=services.clock.now)
    settle_start_up()
    log.info("coordbot serving on %s:%s", host, port)
    try:
        # ws="none": nothing here speaks WebSocket (Socket Mode is a client), so its protocol is not loaded
        uvicorn.run(
            app, host=host, port=port, log_level=settings.log_level.lower(), access_log=False, ws="none"
        )
    finally:
        if ticker is not None:
            ticker.shutdown()
        for runtime in runtimes:
            stop = getattr(runtime, "stop", None)
            if stop is not None:
                stop()
        services.db.dispose()
    return 0
