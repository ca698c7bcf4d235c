"""``coordbot doctor``: the operator's health check, one line per check with how to fix it.

Checks the settings against what they point at: the database (reachable, migrations current),
Slack (``auth.test`` and the manifest's scopes, from the ``x-oauth-scopes`` header), Feishu (a
tenant token for the app id and secret), the channels departments, launches and digests post to
(Slack: ``conversations.info``; Feishu: ``im.v1.chat_members.is_in_chat``), and the ledger (no
dead messages; the pending backlog). Secrets are never printed: a check names the setting, never
its value. Exit status 0 when every check passed, 1 otherwise.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TextIO

from sqlalchemy import func, select

from bot.settings import DATABASE_SETTING, Settings, SettingsError, check_database, error_reason
from storage.db import Database

TIMEOUT = 10  # seconds each platform call may take
CHANNELS_CHECKED = 200  # channels asked about per run (each is one platform call)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""

    def line(self) -> str:
        mark = "ok  " if self.ok else "FAIL"
        return f"{mark} {self.name}: {self.detail}" + (
            f" — fix: {self.fix}" if self.fix and not self.ok else ""
        )


def run_doctor(
    settings: Settings,
    out: TextIO,
    *,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> int:
    """Print each check's line to ``out``; 0 when all passed.

    The SDKs' own error logs are held back while it runs: each failed call is a check's line.
    """
    failed = False
    sdk_logs = logging.getLogger("slack_sdk")
    level = sdk_logs.level
    sdk_logs.setLevel(logging.CRITICAL)
    try:
        for check in checks(settings, now):
            print(check.line(), file=out)
            failed = failed or not check.ok
    finally:
        sdk_logs.setLevel(level)
    return 1 if failed else 0


def checks(settings: Settings, now: Callable[[], datetime]) -> Iterator[Check]:
    db = yield from _database(settings)
    for sentence in settings.half_configured():
        yield Check("settings", False, sentence, "set it (see .env.example), or unset the others")
    slack = yield from _slack(settings)
    feishu = yield from _feishu(settings)
    if db is None:
        return
    try:
        if slack is not None:
            yield from _slack_channels(db, slack)
        if feishu is not None:
            yield from _feishu_chats(db, feishu)
        yield from _ledger(db, now())
    finally:
        db.dispose()


# -- the database ---------------------------------------------------------------------------------


def _database(settings: Settings) -> Iterator[Check]:
    try:
        check_database(settings.database_url)
    except SettingsError as exc:
        yield Check("database", False, str(exc), f"point {DATABASE_SETTING} at a database coordbot can open")
        return None
    db = Database(settings.database_url)
    try:
        current, newest = db.schema_revisions()
    except Exception as exc:
        db.dispose()
        yield Check("database", False, f"cannot read its schema: {error_reason(exc)}", "coordbot db upgrade")
        return None
    if current != newest:
        at = ", ".join(sorted(current)) or "empty"
        yield Check(
            "database",
            False,
            f"migrations behind (at {at}, newest {', '.join(sorted(newest))})",
            "coordbot db upgrade",
        )
        db.dispose()
        return None
    yield Check("database", True, f"reachable, migrations current ({', '.join(sorted(current))})")
    return db


# -- Slack ------------------------------------------------------------------------------------------


def _slack(settings: Settings) -> Iterator[Check]:
    if settings.slack_bot_token is None:
        if settings.slack_client_id:
            yield Check("slack", True, "OAuth mode: each workspace's token comes with its installation")
        else:
            yield Check("slack", True, "not configured (SLACK_BOT_TOKEN unset)")
        return None
    from slack_sdk.errors import SlackApiError

    from bot.slack.client import build_web_client
    from bot.slack.runtime import BOT_SCOPES

    client = build_web_client(
        settings.slack_bot_token.get_secret_value(),
        settings.slack_api_url,
        rate_limit_retries=0,
        timeout=TIMEOUT,
    )
    try:
        answer = client.auth_test()
    except SlackApiError as exc:
        error = str((exc.response or {}).get("error") or "refused")
        yield Check(
            "slack token",
            False,
            f"auth.test refused it ({error})",
            "set SLACK_BOT_TOKEN to the app's Bot User OAuth Token (xoxb-…), from OAuth & Permissions",
        )
        return None
    except Exception as exc:
        yield Check(
            "slack token",
            False,
            f"cannot reach Slack at SLACK_API_URL: {type(exc).__name__}",
            "check the network and SLACK_API_URL",
        )
        return None
    team = answer.get("team") or answer.get("team_id") or "?"
    yield Check("slack token", True, f"valid for workspace {team} (bot {answer.get('user_id') or '?'})")
    granted = _header(answer.headers, "x-oauth-scopes")
    if granted is None:
        yield Check("slack scopes", True, "Slack did not list the token's scopes; not checked")
        return client
    missing = sorted(set(BOT_SCOPES) - {scope.strip() for scope in granted.split(",") if scope.strip()})
    if missing:
        yield Check(
            "slack scopes",
            False,
            f"the token lacks {', '.join(missing)}",
            "add them from slack-manifest.yaml and reinstall the app to the workspace",
        )
    else:
        yield Check("slack scopes", True, "the token has every scope the manifest asks for")
    return client


def _slack_channels(db: Database, client: object) -> Iterator[Check]:
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    assert isinstance(client, WebClient)
    channels = _channels(db, "slack")
    if not channels:
        yield Check("slack channels", True, "no department, launch or digest channels configured")
        return
    problems = []
    for channel, uses in sorted(channels.items())[:CHANNELS_CHECKED]:
        try:
            info = client.conversations_info(channel=channel).get("channel") or {}
        except SlackApiError as exc:
            problems.append(f"{channel} ({uses}): {(exc.response or {}).get('error') or 'refused'}")
            continue
        except Exception as exc:
            problems.append(f"{channel} ({uses}): cannot ask Slack ({type(exc).__name__})")
            continue
        if info.get("is_archived"):
            problems.append(f"{channel} ({uses}): archived")
        elif info.get("is_private") and not info.get("is_member"):
            problems.append(f"{channel} ({uses}): private, and the bot is not in it")
    checked = min(len(channels), CHANNELS_CHECKED)
    if problems:
        yield Check(
            "slack channels",
            False,
            f"{len(problems)} of {checked} cannot be posted in: " + "; ".join(problems[:5]),
            "invite the bot (/invite @coordbot) or point the department/digest at a live channel",
        )
    else:
        yield Check("slack channels", True, f"the bot can post in all {checked}")


# -- Feishu -----------------------------------------------------------------------------------------


def _feishu(settings: Settings) -> Iterator[Check]:
    if not settings.feishu_app_id or settings.feishu_app_secret is None:
        yield Check("feishu", True, "not configured (FEISHU_APP_ID / FEISHU_APP_SECRET unset)")
        return
    from bot.feishu.sdk import build_client  # first: the SDK's light import (not all its services)

    from lark_oapi.api.auth.v3.model.internal_tenant_access_token_request import (  # isort: skip
        InternalTenantAccessTokenRequest,
    )
    from lark_oapi.api.auth.v3.model.internal_tenant_access_token_request_body import (  # isort: skip
        InternalTenantAccessTokenRequestBody,
    )
    from lark_oapi.api.auth.v3.resource.tenant_access_token import TenantAccessToken  # isort: skip

    secret = settings.feishu_app_secret.get_secret_value()
    try:
        client = build_client(settings.feishu_app_id, secret, settings.feishu_domain, timeout=TIMEOUT)
        body = (
            InternalTenantAccessTokenRequestBody.builder().app_id(settings.feishu_app_id).app_secret(secret)
        )
        request = InternalTenantAccessTokenRequest.builder().request_body(body.build()).build()
        response = TenantAccessToken(client.config).internal(request)
    except Exception as exc:
        yield Check(
            "feishu credentials",
            False,
            f"cannot reach Feishu at FEISHU_DOMAIN: {type(exc).__name__}",
            "check the network and FEISHU_DOMAIN",
        )
        return
    if response.success():
        yield Check("feishu credentials", True, f"app {settings.feishu_app_id} gets a tenant token")
        return client
    yield Check(
        "feishu credentials",
        False,
        f"no tenant token (code {response.code}: {response.msg})",
        "set FEISHU_APP_ID and FEISHU_APP_SECRET from the app's Credentials & Basic Info page",
    )
    return None


def _feishu_chats(db: Database, client: object) -> Iterator[Check]:
    """Each configured Feishu chat has the bot in it (``im.v1.chat_members.is_in_chat``)."""
    from lark_oapi.api.im.v1.model.is_in_chat_chat_members_request import IsInChatChatMembersRequest

    chats = _channels(db, "feishu")
    if not chats:
        yield Check("feishu chats", True, "no department, launch or digest chats configured")
        return
    problems = []
    for chat_id, uses in sorted(chats.items())[:CHANNELS_CHECKED]:
        request = IsInChatChatMembersRequest.builder().chat_id(chat_id).build()
        try:
            response = client.im.v1.chat_members.is_in_chat(request)  # type: ignore[attr-defined]
        except Exception as exc:
            problems.append(f"{chat_id} ({uses}): cannot ask Feishu ({type(exc).__name__})")
            continue
        if not response.success():
            problems.append(f"{chat_id} ({uses}): code {response.code} {response.msg or ''}".strip())
        elif not (response.data and response.data.is_in_chat):
            problems.append(f"{chat_id} ({uses}): the bot is not in it")
    checked = min(len(chats), CHANNELS_CHECKED)
    if problems:
        yield Check(
            "feishu chats",
            False,
            f"{len(problems)} of {checked} cannot be posted in: " + "; ".join(problems[:5]),
            "add the bot to the group (group settings → Bots) or point the department/digest at another chat",
        )
    else:
        yield Check("feishu chats", True, f"the bot is in all {checked}")


# -- the ledger -------------------------------------------------------------------------------------


def _ledger(db: Database, now: datetime) -> Iterator[Check]:
    from storage import notifications as ledger
    from storage.models import Notification

    with db.transaction() as s:
        dead = Counter(
            dict(
                s.execute(
                    select(Notification.kind, func.count())
                    .where(Notification.status == ledger.DEAD)
                    .group_by(Notification.kind)
                ).all()
            )
        )
        waiting, oldest = s.execute(
            select(func.count(), func.min(Notification.created_at)).where(
                Notification.status.in_((ledger.PENDING, ledger.FAILED))
            )
        ).one()
    if dead:
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(dead.items()))
        yield Check(
            "ledger",
            False,
            f"{sum(dead.values())} dead messages ({kinds})",
            "see their last_error in the notifications table (usually a channel the bot left, or a "
            "revoked token); fix the cause — admins were alerted in chat",
        )
    else:
        yield Check("ledger", True, "no dead messages")
    if waiting:
        age = now - (oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC))
        yield Check(
            "ledger backlog", True, f"{waiting} waiting to be sent or retried, oldest {_minutes(age)}"
        )
    else:
        yield Check("ledger backlog", True, "nothing waiting")


# -- helpers ----------------------------------------------------------------------------------------


def _channels(db: Database, platform: str) -> dict[str, str]:
    """Every channel a department, launch or digest of ``platform``'s workspaces posts to: what uses it."""
    from storage.models import Department, DigestSchedule, Launch, Workspace

    uses: dict[str, set[str]] = {}
    with db.transaction() as s:
        for label, model in (("department", Department), ("launch", Launch), ("digest", DigestSchedule)):
            rows = s.execute(
                select(model.channel_id)
                .join(Workspace, Workspace.id == model.workspace_id)
                .where(Workspace.platform == platform, model.channel_id.is_not(None), model.channel_id != "")
                .distinct()
            )
            for (channel,) in rows:
                uses.setdefault(str(channel), set()).add(label)
    return {channel: ", ".join(sorted(labels)) for channel, labels in uses.items()}


def _header(headers: object, name: str) -> str | None:
    for key, value in dict(headers or {}).items():  # type: ignore[call-overload]
        if str(key).lower() == name:
            return str(value[0] if isinstance(value, list | tuple) else value)
    return None


def _minutes(age: object) -> str:
    seconds = int(getattr(age, "total_seconds", lambda: 0)())
    return f"{seconds // 60} min ago" if seconds >= 60 else f"{max(seconds, 0)} s ago"
