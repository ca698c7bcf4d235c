"""Logs: JSON lines with the workspace, key and outcome on COORDBOT_LOG_FORMAT=json; never secrets."""

from __future__ import annotations

import json
import logging

import pytest

from bot.logs import TEXT_FORMAT, JsonFormatter, MaskingFormatter, mask_secrets
from bot.settings import SettingsError, load_settings


def _record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("bot.scheduler", logging.INFO, __file__, 1, message, args, None)
    for name, value in extra.items():
        setattr(record, name, value)
    return record


def test_a_json_line_carries_the_context_of_a_send() -> None:
    record = _record(
        "scheduler: sent %s",
        "nudge:user:1:U1:2026-12-08",
        workspace="T1",
        key="nudge:user:1:U1:2026-12-08",
        outcome="sent",
        kind="nudge",
    )
    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "INFO" and line["logger"] == "bot.scheduler"
    assert line["message"] == "scheduler: sent nudge:user:1:U1:2026-12-08"
    assert {line[k] for k in ("workspace", "key", "outcome", "kind")} == {
        "T1",
        "nudge:user:1:U1:2026-12-08",
        "sent",
        "nudge",
    }
    assert line["time"].endswith("+00:00")


@pytest.mark.parametrize(
    "secret",
    [
        "xoxb-1234-5678-abcdefABCDEF",
        "xapp-1-A111-222-abc",
        "Bearer t-g1044ghJKLMNOPQRSTUVWXYZ012345",
        "t-g1044ghJKLMNOPQRSTUVWXYZ0123",
    ],
)
def test_credentials_are_masked_in_both_formats(secret: str) -> None:
    record = _record("Slack refused token %s in a call", secret)
    for formatter in (JsonFormatter(), MaskingFormatter(TEXT_FORMAT)):
        assert secret not in formatter.format(record)
    assert mask_secrets("no secret here: task-12") == "no secret here: task-12"


def test_the_format_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().log_format == "text"  # the default
    monkeypatch.setenv("COORDBOT_LOG_FORMAT", "json")
    assert load_settings().log_format == "json"
    monkeypatch.setenv("COORDBOT_LOG_FORMAT", "xml")
    with pytest.raises(SettingsError, match="COORDBOT_LOG_FORMAT"):
        load_settings()
