"""Who is asking, from where: what every adapter hands to the core with a command or action."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Caller:
    platform: str  # "slack" | "feishu" | "console"
    workspace_id: str  # Slack team id, Feishu tenant_key, "console"
    user_id: str
    user_name: str | None = None
    channel_id: str | None = None
    channel_name: str | None = None
    timezone: str | None = None  # the person's own IANA zone where the platform gives it
    language: str | None = None  # the person's language where the platform gives it ("en"/"zh")
    workspace_name: str | None = None
