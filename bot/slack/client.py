"""The Slack Web API client coordbot uses everywhere, and what its errors mean for a sender.

One construction for the bolt app, the messenger and the OAuth flow: ``base_url`` from the
settings (tests point it at a loopback fake), a connection-error retry and a rate-limit retry
that honours ``Retry-After`` — but only for short waits, so a long rate limit comes back to the
caller (the scheduler retries durably, no sooner than ``retry_after``) instead of blocking a thread.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.messenger import DeliveryError, rate_limits_are_handed_back

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10  # seconds per Web API call

# Errors (``"ok": false``) that say the same request will never work: not retried.
# Anything else that Slack answers with ``ok: false`` is also treated as permanent unless it is
# listed in TRANSIENT_ERRORS — retrying a malformed request only repeats the failure.
PERMANENT_ERRORS = {
    "channel_not_found": "channel not found (deleted, or a private channel the bot is not in)",
    "not_in_channel": "the bot is not in this channel — invite it with /invite @coordbot",
    "is_archived": "the channel is archived",
    "account_inactive": "the bot's token belongs to a deactivated user or app",
    "invalid_auth": "the bot token is not valid",
    "not_authed": "no bot token was sent",
    "token_revoked": "the bot token was revoked (app uninstalled?)",
    "token_expired": "the bot token expired",
    "missing_scope": "the app lacks an OAuth scope for this call; reinstall it from the manifest",
    "no_permission": "the bot has no permission for this channel",
    "user_not_found": "no such Slack user",
    "user_disabled": "the Slack user is deactivated",
    "cannot_dm_bot": "cannot DM a bot user",
    "msg_too_long": "the message is too long",
    "invalid_blocks": "Slack rejected the message layout",
    "restricted_action": "the workspace does not allow the bot to post here",
    "team_access_not_granted": "the app is not installed for this workspace",
}
TRANSIENT_ERRORS = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}


def retry_after_of(response: HttpResponse | None) -> float | None:
    """The seconds of a 429's ``Retry-After`` header (None: none, or not a number)."""
    if response is None:
        return None
    for name, values in response.headers.items():
        if name.lower() == "retry-after":
            value = values[0] if isinstance(values, list | tuple) else values
            try:
                return max(0.0, float(value))
            except (TypeError, ValueError):
                return None
    return None


def waits_out(response: HttpResponse | None, max_wait: float) -> bool:
    """A 429 is retried here when its ``Retry-After`` is at most ``max_wait`` (and the sender has
    not asked for rate limits back, to reschedule them itself)."""
    if response is None or response.status_code != 429 or rate_limits_are_handed_back():
        return False
    wait = retry_after_of(response)
    return wait is None or wait <= max_wait


def wait_before_retry(response: HttpResponse | None) -> float:
    wait = retry_after_of(response)
    return 1.0 if wait is None else wait


class RateLimitRetryHandler(RetryHandler):
    """Retry an HTTP 429 after its ``Retry-After`` — when that is at most ``max_wait`` seconds.

    Like slack_sdk's ``RateLimitErrorRetryHandler`` (which it replaces) but bounded, and with an
    injectable ``sleep`` so tests never wait on the wall clock.
    """

    def __init__(
        self, max_retry_count: int = 2, *, max_wait: float = 5.0, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        super().__init__(max_retry_count)
        self.max_wait = max_wait
        self.sleep = sleep

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return waits_out(response, self.max_wait)

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        self.sleep(wait_before_retry(response))
        state.increment_current_attempt()


def build_web_client(
    token: str | None,
    base_url: str,
    *,
    rate_limit_retries: int = 2,
    rate_limit_max_wait: float = 5.0,
    sleep: Callable[[float], None] = time.sleep,
    connection_retry_interval: RetryIntervalCalculator | None = None,
    timeout: int = DEFAULT_TIMEOUT,
) -> WebClient:
    if not base_url.endswith("/"):
        base_url += "/"
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=timeout,
        retry_handlers=[
            ConnectionErrorRetryHandler(
                max_retry_count=1,
                interval_calculator=connection_retry_interval or BackoffRetryIntervalCalculator(0.5),
            ),
            RateLimitRetryHandler(rate_limit_retries, max_wait=rate_limit_max_wait, sleep=sleep),
        ],
    )


def delivery_error(exc: Exception, where: str) -> DeliveryError:
    """What a failed Web API call means for the sender: permanent or not, and when to retry."""
    if isinstance(exc, SlackApiError):
        response = exc.response
        status = getattr(response, "status_code", 200)
        try:
            error = str(response.get("error") or "")
        except Exception:  # a non-JSON body (a proxy's 502 page)
            error = ""
        if status == 429 or error == "ratelimited":
            headers = getattr(response, "headers", {}) or {}
            retry_after = None
            for name, value in headers.items():
                if name.lower() == "retry-after":
                    try:
                        retry_after = float(value[0] if isinstance(value, list | tuple) else value)
                    except (TypeError, ValueError):
                        retry_after = None
            method = str(getattr(response, "api_url", "") or "").rstrip("/").rsplit("/", 1)[-1] or None
            return DeliveryError(
                f"Slack rate limit posting to {where}", retry_after=retry_after or 1.0, method=method
            )
        if status >= 500 or error in TRANSIENT_ERRORS or not error:
            return DeliveryError(f"Slack is unavailable posting to {where} (HTTP {status} {error})".strip())
        reason = PERMANENT_ERRORS.get(error, "Slack refused the message")
        return DeliveryError(f"{error}: {reason} ({where})", permanent=True)
    if isinstance(exc, URLError | TimeoutError | ConnectionError | OSError | SlackClientError):
        return DeliveryError(f"cannot reach Slack posting to {where}: {type(exc).__name__}")
    return DeliveryError(f"unexpected error posting to {where}: {type(exc).__name__}")
