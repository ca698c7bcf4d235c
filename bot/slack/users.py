"""Who is asking: Slack payloads to :class:`~handlers.context.Caller`, with ``users.info`` cached.

Display names, time zones and locales come from ``users.info`` (one call per person per TTL per
process); when Slack cannot be asked, the payload's own ``user_name`` is used and nothing is
cached, so the next request tries again. A profile Slack says is gone (``user_not_found``, here
or on a send to the person) is forgotten at once.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from handlers.clock import Clock
from handlers.context import Caller
from handlers.core import Profile

log = logging.getLogger(__name__)

GONE = frozenset({"user_not_found", "user_disabled"})  # users.info errors that end a cached profile
_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>")


@dataclass(frozen=True)
class SlackUser:
    user_id: str
    name: str | None
    timezone: str | None
    language: str | None


def language_of(locale: str | None) -> str | None:
    """``zh-CN``/``zh-TW`` -> ``zh``, ``en-US`` -> ``en``; other locales leave the choice to the workspace."""
    if not locale:
        return None
    lowered = locale.lower()
    if lowered.startswith("zh"):
        return "zh"
    if lowered.startswith("en"):
        return "en"
    return None


class UserDirectory:
    def __init__(
        self, clock: Clock, *, ttl: timedelta = timedelta(hours=1), max_entries: int = 10_000
    ) -> None:
        self._clock = clock
        self._ttl = ttl
        self._max = max_entries
        self._cache: OrderedDict[tuple[str, str], tuple[Any, SlackUser]] = OrderedDict()
        self._lock = threading.Lock()

    def lookup(self, client: WebClient, team_id: str, user_id: str) -> SlackUser | None:
        key = (team_id, user_id)
        now = self._clock.now()
        with self._lock:
            cached = self._cache.get(key)
            if cached and cached[0] > now:
                self._cache.move_to_end(key)
                return cached[1]
        try:
            response = client.users_info(user=user_id, include_locale=True)
        except (SlackApiError, SlackClientError, OSError) as exc:
            log.warning("users.info for %s failed: %s", user_id, type(exc).__name__)
            if isinstance(exc, SlackApiError) and (exc.response or {}).get("error") in GONE:
                self.forget(team_id, user_id)
            return None
        data = response.get("user") or {}
        profile = data.get("profile") or {}
        name = (
            profile.get("display_name")
            or profile.get("real_name")
            or data.get("real_name")
            or data.get("name")
            or None
        )
        user = SlackUser(user_id, name, data.get("tz") or None, language_of(data.get("locale")))
        with self._lock:
            self._cache[key] = (now + self._ttl, user)
            self._cache.move_to_end(key)
            while len(self._cache) > self._max:
                self._cache.popitem(last=False)
        return user

    def forget(self, team_id: str, user_id: str) -> None:
        """Drop a cached profile: Slack said the person is gone (or a send to them said so)."""
        with self._lock:
            self._cache.pop((team_id, user_id), None)

    def caller(
        self,
        client: WebClient,
        *,
        team_id: str,
        user_id: str,
        fallback_name: str | None = None,
        channel_id: str | None = None,
        channel_name: str | None = None,
        workspace_name: str | None = None,
    ) -> Caller:
        user = self.lookup(client, team_id, user_id)
        return Caller(
            platform="slack",
            workspace_id=team_id,
            user_id=user_id,
            user_name=(user.name if user else None) or fallback_name,
            channel_id=channel_id,
            channel_name=channel_name if channel_name not in ("directmessage", "privategroup") else None,
            timezone=user.timezone if user else None,
            language=user.language if user else None,
            workspace_name=workspace_name,
        )

    def mentioned_profiles(self, client: WebClient, team_id: str, text: str) -> list[Profile]:
        """The people ``<@U…>``-mentioned in ``text``, as the core's profiles (from the cache)."""
        profiles = []
        for user_id in dict.fromkeys(m.group(1) for m in _USER_MENTION.finditer(text)):
            user = self.lookup(client, team_id, user_id)
            if user is not None:
                profiles.append(Profile(user_id, user.name, user.timezone, user.language))
        return profiles

    def name_mentions(self, client: WebClient, team_id: str, text: str) -> str:
        """``<@U123>`` / ``<@U123|alice.w>`` -> ``<@U123|Alice Wong>``: the same escaped form Slack uses,
        with the person's display name from ``users.info`` (Slack escapes with the legacy username),
        so the core records the name people see."""

        def named(match: re.Match[str]) -> str:
            user = self.lookup(client, team_id, match.group(1))
            if user is None or not user.name:
                return match.group(0)
            name = user.name.replace("<", "").replace(">", "").replace("|", "")
            return f"<@{match.group(1)}|{name}>"

        return _USER_MENTION.sub(named, text)
