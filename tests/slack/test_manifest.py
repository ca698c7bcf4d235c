"""The app manifest matches what the code serves: command, scopes, events, shortcut, paths."""

from __future__ import annotations

import re
from pathlib import Path

from bot.settings import Settings
from bot.slack import forms, modal
from bot.slack.listeners import UNINSTALL_EVENTS
from bot.slack.runtime import BOT_SCOPES, EVENTS_PATH, REDIRECT_PATH

MANIFEST = Path(__file__).resolve().parents[2] / "slack-manifest.yaml"


def _list_after(text: str, key: str) -> list[str]:
    match = re.search(rf"^(\s*){re.escape(key)}:\n((?:\1\s+- .+\n)+)", text, re.M)
    assert match, f"no list under {key}"
    return [line.strip()[2:] for line in match.group(2).splitlines()]


def test_manifest_matches_the_code() -> None:
    text = MANIFEST.read_text(encoding="utf-8")
    assert "\t" not in text
    default_command = Settings.model_fields["slash_command"].default
    assert re.search(rf"- command: {re.escape(default_command)}\n", text)
    assert "should_escape: true" in text
    assert sorted(_list_after(text, "bot")) == sorted(BOT_SCOPES)
    events = ["app_home_opened", "app_mention", "message.im", *UNINSTALL_EVENTS]
    assert sorted(_list_after(text, "bot_events")) == sorted(events)
    assert f"callback_id: {modal.SHORTCUT_ID}" in text
    assert f"type: message\n      callback_id: {forms.TASK_FROM_MESSAGE}\n" in text
    assert f"type: message\n      callback_id: {forms.FEEDBACK_FROM_MESSAGE}\n" in text
    assert "home_tab_enabled: true" in text and "is_enabled: true" in text
    urls = re.findall(r"(?:url|request_url): (\S+)", text)
    assert urls and all(u.endswith(EVENTS_PATH) for u in urls)
    assert f"- https://coordbot.example.com{REDIRECT_PATH}" in text
