"""Outbound Slack messages: channel posts and DMs for the scheduler and command follow-ups."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from slack_sdk import WebClient

from bot.messenger import Delivery, DeliveryError
from bot.slack.blocks import render_message
from bot.slack.client import delivery_error
from handlers.replies import Outbound

log = logging.getLogger(__name__)

TokenLookup = Callable[[str], str | None]


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
        client_factory: Callable[[str], WebClient],
        *,
        language: str = "en",
    ) -> None:
        self._token_for = token_for
        self._client_factory = client_factory
        self._language = language
        self._clients: dict[str, WebClient] = {}
        self._lock = threading.Lock()

    def client(self, team_id: str) -> WebClient:
        token = self._token_for(team_id)
        if not token:
            raise DeliveryError(f"coordbot is not installed in Slack workspace {team_id}", permanent=True)
        with self._lock:
            client = self._clients.get(token)
            if client is None:
                client = self._clients[token] = self._client_factory(token)
            return client

    def send(self, message: Outbound) -> Delivery:
        where = message.target.label
        client = self.client(message.workspace_external_id)
        content = render_message(message.reply, self._language)
        try:
            response = client.chat_postMessage(
                channel=message.target.id, unfurl_links=False, unfurl_media=False, **content
            )
        except Exception as exc:
            error = delivery_error(exc, where)
            log.warning("slack delivery failed: %s", error)
            raise error from None
        return Delivery(message_id=f"{response.get('channel', message.target.id)}:{response.get('ts')}")
