"""Who is asking, from where: what every adapter hands to the core with a command or action."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SourceMessage:
    """A chat message work is made from: its channel, the message, its thread and a link to it.

    ``thread_id`` is the thread the message is in (Slack: the root's ``ts``; Feishu: the root
    message id); None when the message is a thread's root itself (or starts one when replied to).
    """

    channel_id: str
    message_id: str
    thread_id: str | None = None
    link: str | None = None

    @property
    def thread(self) -> str:
        """Where replies about it go: its thread, or a new thread under it."""
        return self.thread_id or self.message_id


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
    # What the platform's status says of being away (Slack "🌴 Vacationing"); "" when it says
    # nothing of it, None when the platform was not asked. A hint shown, never acted on.
    status_hint: str | None = None
    # The message the request answers when it came as a reply in a thread (Slack: an @mention in
    # a thread; Feishu: a reply that @-mentions the bot): a task it adds keeps it as its source.
    replying_to: SourceMessage | None = None
