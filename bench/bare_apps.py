"""The baselines: bare slack-bolt apps and a bare lark-oapi dispatcher on coordbot's server stack.

    python -m bench.bare_apps slack --port 3101          # bolt's default: the ack polled for
    python -m bench.bare_apps slack-inline --port 3103   # process_before_response: the ack inline
    python -m bench.bare_apps feishu --port 3102

Same stack as ``coordbot serve``: uvicorn (same options: no access log) serving a Starlette app
with ``GET /healthz`` and the platform's route; Slack requests go through bolt's Starlette adapter
functions and ``app.dispatch`` in the thread pool, with bolt's request verification on — in its
default flow (``slack``: the listener runs on bolt's executor and the dispatching thread polls for
its ack every 10 ms) or with ``process_before_response=True`` (``slack-inline``: the listener runs
in the dispatching thread and the answer goes as soon as it returns); Feishu events go through
``EventDispatcherHandler.do`` (decryption,
token and signature checks) in the thread pool as ``bot.feishu.runtime`` does. The handlers do
nothing but acknowledge.
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ThreadPoolExecutor

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bench import _signing as s


async def healthz(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def slack_app(api_url: str, *, inline: bool = False) -> Starlette:
    from slack_bolt import App
    from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
    from slack_sdk import WebClient

    bolt = App(
        client=WebClient(token=s.SLACK_BOT_TOKEN, base_url=api_url),
        signing_secret=s.SLACK_SIGNING_SECRET,
        process_before_response=inline,
        listener_executor=ThreadPoolExecutor(max_workers=16, thread_name_prefix="slack"),
    )

    @bolt.command("/coord")
    def ack_only(ack) -> None:  # type: ignore[no-untyped-def]
        ack()

    async def events(request: Request) -> Response:
        body = await request.body()
        bolt_response = await run_in_threadpool(bolt.dispatch, to_bolt_request(request, body))
        return to_starlette_response(bolt_response)

    return Starlette(routes=[Route("/healthz", healthz), Route("/slack/events", events, methods=["POST"])])


def feishu_app() -> Starlette:
    import lark_oapi as lark
    from lark_oapi.core.const import LARK_REQUEST_NONCE, LARK_REQUEST_SIGNATURE, LARK_REQUEST_TIMESTAMP
    from lark_oapi.core.model import RawRequest

    dispatcher = (
        lark.EventDispatcherHandler.builder(s.FEISHU_ENCRYPT_KEY, s.FEISHU_VERIFICATION_TOKEN)
        .register_p2_im_message_receive_v1(lambda _data: None)
        .build()
    )

    async def events(request: Request) -> Response:
        body = await request.body()
        raw = RawRequest()
        raw.uri = str(request.url)
        raw.body = body
        raw.headers = {
            name: request.headers.get(name, "")
            for name in (LARK_REQUEST_TIMESTAMP, LARK_REQUEST_NONCE, LARK_REQUEST_SIGNATURE)
        }
        answer = await run_in_threadpool(dispatcher.do, raw)
        return Response(
            answer.content or b"{}", status_code=answer.status_code or 200, media_type="application/json"
        )

    return Starlette(routes=[Route("/healthz", healthz), Route("/feishu/events", events, methods=["POST"])])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.bare_apps", description=__doc__)
    parser.add_argument("platform", choices=("slack", "slack-inline", "feishu"))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--slack-api-url", default="http://127.0.0.1:9/api/")
    args = parser.parse_args(argv)
    import uvicorn

    if args.platform == "feishu":
        app = feishu_app()
    else:
        app = slack_app(args.slack_api_url, inline=args.platform == "slack-inline")
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
