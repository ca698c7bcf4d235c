"""Outbound Slack messages: channel posts and DMs for the scheduler and command follow-ups.

Slack's ``chat.postMessage`` has no idempotency key: when Slack posted a message but its answer
was lost (the connection dropped, the bot was killed mid-send), sending it again posts it twice.
So a message with a key carries that key in Slack message metadata (event type
:data:`METADATA_TYPE`), and before such a message is sent again the messenger looks for it in
the conversation (``conversations.history`` with ``include_all_metadata``): at once after a
connection error (in place of the SDK's blind connection retry), and on every later retry the
scheduler makes (``Outbound.earlier_attempt_since``). A message found there counts as delivered.

The answer to a command goes through its ``response_url`` (``Outbound.reply_handle``) on the
first attempt, ephemeral or in the channel as the reply says; a later attempt (the URL expired or
Slack refused it) posts to the answer's target instead. A ``member`` target is an ephemeral
message (``chat.postEphemeral``): Slack keeps no copy, so it is never looked for.

A DM's channel id (``D…``, from ``conversations.open``, or from a post's answer) is cached per
workspace and person for :data:`DM_TTL`; an id Slack says is gone (``channel_not_found``, the
person deactivated) is forgotten and opened afresh, and the person's profile is forgotten too
(``on_user_gone``), so no later send or lookup trusts it.

Reading history takes the ``channels:history``, ``groups:history`` and ``im:history`` scopes and,
for a channel, membership. Where the bot cannot read it, the message is sent again — at least
once rather than never — and a warning says why. A look that fails for a passing reason (Slack
unreachable) fails the send, to be retried, rather than risk a second copy.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from http.client import RemoteDisconnected
from typing import TYPE_CHECKING, Any, TypeAlias
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from bot.chart_png import file_name, render_png
from bot.messenger import Delivery, DeliveryError, beside_file
from bot.slack.blocks import fallback_text, render_message
from bot.slack.client import delivery_error
from bot.ttl_cache import TtlCache
from handlers.replies import Outbound, Reply, plain_mentions

if TYPE_CHECKING:
    from bot.slack.pooled import PooledWebClient

    SlackClient: TypeAlias = WebClient | PooledWebClient

log = logging.getLogger(__name__)

TokenLookup = Callable[[str], str | None]
UserGone = Callable[[str, str], None]  # (team id, user id): Slack says this person is gone

METADATA_TYPE = "coordbot_message"
HISTORY_PAGE = 200  # messages per conversations.history page (Slack's advised maximum)
HISTORY_PAGES = 5  # pages looked through for an earlier attempt before giving up the search
CLOCK_MARGIN = timedelta(minutes=2)  # the search starts this much before the earlier attempt
# The request may have reached Slack: the answer, not the question, was lost.
MAYBE_SENT = (URLError, ConnectionResetError, RemoteDisconnected, TimeoutError)
DM_TTL = 24 * 3600.0  # seconds a DM channel id is trusted (Slack keeps it for the pair's lifetime)
STALE_DM = frozenset({"channel_not_found", "is_archived"})  # a cached DM id that no longer works
USER_GONE = frozenset({"user_not_found", "user_disabled", "cannot_dm_bot"})


class SlackMessenger:
    """``chat.postMessage`` to a channel id, or to a user id (which opens the DM).

    ``token_for(team_id)`` gives the bot token of a workspace: the one ``SLACK_BOT_TOKEN`` in
    single-workspace mode, the installation's in OAuth mode. ``Delivery.message_id`` is
    ``"<channel id>:<ts>"`` — the two things ``chat.update`` needs.
    """

    platform = "slack"

    def __init__(
        self,
        token_for: TokenLookup,
        client_factory: Callable[[str], SlackClient],
        *,
        on_user_gone: UserGone | None = None,
        dm_channels: TtlCache[tuple[str, str], str] | None = None,
    ) -> None:
        self._token_for = token_for
        self._client_factory = client_factory
        self._clients: dict[str, SlackClient] = {}
        self._lock = threading.Lock()
        self._on_user_gone = on_user_gone
        self.dm_channels: TtlCache[tuple[str, str], str] = dm_channels or TtlCache(DM_TTL)

    def dm_channel(self, client: SlackClient, team_id: str, user_id: str, *, fresh: bool = False) -> str:
        """The DM channel id with ``user_id``: cached, else ``conversations.open`` (then cached)."""
        key = (team_id, user_id)
        channel = None if fresh else self.dm_channels.get(key)
        if channel is None:
            channel = str(client.conversations_open(users=user_id)["channel"]["id"])
            self.dm_channels.put(key, channel)
        return channel

    def _gone(self, message: Outbound, exc: Exception) -> None:
        """Forget what Slack says no longer exists: the DM channel id, and the person's profile."""
        if message.target.kind not in ("user", "member") or not isinstance(exc, SlackApiError):
            return
        error = str((exc.response or {}).get("error") or "")
        if error in STALE_DM or error in USER_GONE:
            self.dm_channels.forget((message.workspace_external_id, message.target.id))
        if error in USER_GONE and self._on_user_gone is not None:
            self._on_user_gone(message.workspace_external_id, message.target.id)

    def client(self, team_id: str) -> SlackClient:
        token = self._token_for(team_id)
        if not token:
            raise DeliveryError(f"coordbot is not installed in Slack workspace {team_id}", permanent=True)
        with self._lock:
            client = self._clients.get(token)
            if client is None:
                client = self._client_factory(token)
                # Connection errors are retried here, after looking whether the post went through.
                client.retry_handlers = [
                    h for h in client.retry_handlers if not isinstance(h, ConnectionErrorRetryHandler)
                ]
                self._clients[token] = client
            return client

    def send(self, message: Outbound) -> Delivery:
        if message.reply.file is not None:
            self._upload_file(message)
            message = replace(message, reply=beside_file(message.reply))
        if message.reply.chart is not None:
            return self._upload_chart(message)
        if message.reply_handle and message.earlier_attempt_since is None:
            return self._respond(message)
        where = message.target.label
        client = self.client(message.workspace_external_id)
        if message.target.kind == "member":
            return self._post_ephemeral(client, message)
        content: dict[str, Any] = dict(render_message(message.reply))
        if message.key:
            content["metadata"] = {"event_type": METADATA_TYPE, "event_payload": {"key": message.key}}
        if message.key and message.earlier_attempt_since is not None:
            found = self._find(client, message, message.earlier_attempt_since - CLOCK_MARGIN)
            if found is not None:
                return found
        try:
            return self._post(client, message, content)
        except MAYBE_SENT as exc:
            log.warning("slack delivery to %s: connection lost (%s); trying again", where, type(exc).__name__)
        except Exception as exc:
            self._gone(message, exc)
            raise self._failed(exc, where) from None
        if message.key:
            found = self._find(client, message, None)
            if found is not None:
                return found
        try:
            return self._post(client, message, content)
        except Exception as exc:
            self._gone(message, exc)
            raise self._failed(exc, where) from None

    def _respond(self, message: Outbound) -> Delivery:
        """Answer through the request's ``response_url`` (no token, no copy Slack could be asked for)."""
        response_type = "ephemeral" if message.reply.ephemeral else "in_channel"
        content = render_message(message.reply)
        try:
            response = WebhookClient(str(message.reply_handle), timeout=10).send(
                response_type=response_type, replace_original=False, **content
            )
        except Exception as exc:
            raise self._failed(exc, "the response_url") from None
        if response.status_code >= 400:
            # Not permanent: the answer's target is still there for a later attempt.
            raise DeliveryError(
                f"Slack refused the response_url (HTTP {response.status_code} {response.body})"
            )
        return Delivery()

    def _upload_chart(self, message: Outbound) -> Delivery:
        """The chart as a PNG (``files_upload_v2``) with the reply's text as its comment.

        A file cannot be ephemeral nor sent through a ``response_url``: a chart for one member
        goes to their DM. The key is in the file's name, so a retry finds an upload that went
        through before posting it again.
        """
        chart = message.reply.chart
        assert chart is not None
        client = self.client(message.workspace_external_id)
        target = message.target
        where = target.label
        name = file_name(chart, message.key)
        try:
            channel = target.id
            if target.kind in ("user", "member"):
                channel = self.dm_channel(client, message.workspace_external_id, target.id)
            if message.key and message.earlier_attempt_since is not None:
                since = message.earlier_attempt_since - CLOCK_MARGIN
                found = self._find(client, message, since, channel=channel, matches=_has_file(name))
                if found is not None:
                    return found
            response = upload_chart(client, channel, message.reply, name)
        except DeliveryError:
            raise
        except Exception as exc:
            self._gone(message, exc)
            raise self._failed(exc, where) from None
        uploaded = response.get("file") or {}
        return Delivery(message_id=f"{channel}:{uploaded.get('id')}")

    def _upload_file(self, message: Outbound) -> None:
        """The reply's file (an export) to the person's DM (``files_upload_v2``): a file cannot be
        ephemeral nor go through a ``response_url``. A retry first looks in the DM for a file of
        that name shared since the earlier attempt, and uploads again only when there is none."""
        file = message.reply.file
        assert file is not None
        client = self.client(message.workspace_external_id)
        target = message.target
        try:
            channel = target.id
            if target.kind in ("user", "member"):
                channel = self.dm_channel(client, message.workspace_external_id, target.id)
            if message.earlier_attempt_since is not None:
                since = message.earlier_attempt_since - CLOCK_MARGIN
                if self._find(client, message, since, channel=channel, matches=_has_file(file.name)):
                    return
            client.files_upload_v2(
                channel=channel,
                content=file.data,
                filename=file.name,
                title=file.name,
                initial_comment=plain_mentions(message.reply.headline),
            )
        except DeliveryError:
            raise
        except Exception as exc:
            self._gone(message, exc)
            raise self._failed(exc, target.label) from None

    def _post_ephemeral(self, client: SlackClient, message: Outbound) -> Delivery:
        target = message.target
        try:
            client.chat_postEphemeral(
                channel=target.channel_id, user=target.id, **render_message(message.reply)
            )
        except Exception as exc:
            raise self._failed(exc, target.label) from None
        return Delivery()

    def _post(self, client: SlackClient, message: Outbound, content: dict[str, Any]) -> Delivery:
        thread = {"thread_ts": message.target.thread} if message.target.thread else {}
        response = client.chat_postMessage(
            channel=message.target.id, unfurl_links=False, unfurl_media=False, **thread, **content
        )
        landed = response.get("channel")
        if message.target.kind == "user" and isinstance(landed, str) and landed.startswith("D"):
            self.dm_channels.put((message.workspace_external_id, message.target.id), landed)  # for free
        return Delivery(message_id=f"{response.get('channel', message.target.id)}:{response.get('ts')}")

    @staticmethod
    def _failed(exc: Exception, where: str) -> DeliveryError:
        error = delivery_error(exc, where)
        log.warning("slack delivery failed: %s", error)
        return error

    def _find(
        self,
        client: SlackClient,
        message: Outbound,
        since: datetime | None,
        *,
        channel: str | None = None,
        matches: Callable[[dict[str, Any]], bool] | None = None,
    ) -> Delivery | None:
        """The message with ``message.key`` already in its conversation (posted ``since``), if any
        (``matches`` says what it looks like when it is not a message carrying the key).

        None when it is not there, or when the bot cannot read the conversation (then the caller
        posts: at least once). Raises a transient :class:`DeliveryError` when Slack cannot be asked.
        """
        matches = matches or _has_key(str(message.key))
        if channel is not None or message.target.kind != "user":
            fixed = channel or message.target.id
            return self._search(client, message, since, matches, lambda: fixed)
        team, user = message.workspace_external_id, message.target.id
        cached = self.dm_channels.get((team, user)) is not None
        try:
            return self._search(
                client, message, since, matches, lambda: self.dm_channel(client, team, user), cached=cached
            )
        except _StaleDm:  # the cached id is gone: once more with the DM Slack opens now
            return self._search(
                client, message, since, matches, lambda: self.dm_channel(client, team, user, fresh=True)
            )

    def _search(
        self,
        client: SlackClient,
        message: Outbound,
        since: datetime | None,
        matches: Callable[[dict[str, Any]], bool],
        channel_of: Callable[[], str],
        *,
        cached: bool = False,
    ) -> Delivery | None:
        """:meth:`_find` in the conversation ``channel_of()`` names (raises :class:`_StaleDm` when
        that was a ``cached`` DM id Slack no longer knows)."""
        where = message.target.label
        try:
            channel = channel_of()
            cursor: str | None = None
            for _page in range(HISTORY_PAGES):
                window = {
                    "channel": channel,
                    "oldest": f"{since.timestamp():.6f}" if since is not None else None,
                    "limit": HISTORY_PAGE,
                    "include_all_metadata": True,
                    "cursor": cursor,
                }
                thread = message.target.thread  # a reply in a thread is not in the channel's history
                if thread:
                    page = client.conversations_replies(ts=thread, **window)
                else:
                    page = client.conversations_history(**window)
                for posted in page.get("messages") or ():
                    if matches(posted):
                        log.info(
                            "slack: %s was already posted to %s; not posting it again", message.key, where
                        )
                        return Delivery(message_id=f"{channel}:{posted.get('ts')}")
                cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
                if not page.get("has_more") or not cursor:
                    return None
            log.warning(
                "slack: %s not found in the last %d messages of %s",
                message.key,
                HISTORY_PAGES * HISTORY_PAGE,
                where,
            )
            return None
        except SlackApiError as exc:
            error = delivery_error(exc, where)
            if not error.permanent:
                raise DeliveryError(f"cannot check whether it was already posted: {error}") from None
            if cached and (exc.response or {}).get("error") in STALE_DM:
                self.dm_channels.forget((message.workspace_external_id, message.target.id))
                raise _StaleDm() from None
            self._gone(message, exc)
            log.warning(
                "slack: cannot read %s to check whether %s was already posted (%s); posting it again",
                where,
                message.key,
                exc.response.get("error") if exc.response is not None else "refused",
            )
            return None
        except Exception as exc:
            error = delivery_error(exc, where)
            raise DeliveryError(f"cannot check whether it was already posted: {error}") from None


class _StaleDm(Exception):
    """A cached DM channel id Slack answered ``channel_not_found`` for."""


def upload_chart(
    client: SlackClient, channel: str, reply: Reply, name: str, thread_ts: str | None = None
) -> Any:
    """``reply``'s chart drawn and uploaded to ``channel`` (``files_upload_v2``), its text as the comment."""
    assert reply.chart is not None
    return client.files_upload_v2(
        channel=channel,
        file=render_png(reply.chart),
        filename=name,
        title=plain_mentions(reply.headline),
        alt_txt=plain_mentions(reply.headline),
        initial_comment=fallback_text(reply),
        thread_ts=thread_ts,
    )


def _has_key(key: str) -> Callable[[dict[str, Any]], bool]:
    def matches(posted: dict[str, Any]) -> bool:
        metadata = posted.get("metadata") or {}
        payload = metadata.get("event_payload") or {}
        return metadata.get("event_type") == METADATA_TYPE and payload.get("key") == key

    return matches


def _has_file(name: str) -> Callable[[dict[str, Any]], bool]:
    def matches(posted: dict[str, Any]) -> bool:
        return any(f.get("name") == name for f in posted.get("files") or ())

    return matches
