from datetime import timedelta
from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[1]


def test_env_example_lists_every_setting() -> None:
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    names = {line.split("=", 1)[0] for line in example.splitlines() if line and not line.startswith("#")}
    expected = set()
    for field in Settings.model_fields.values():
        expected.add(field.validation_alias.choices[0])  # type: ignore[union-attr]
    assert names == expected


def test_platform_names_and_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-secret")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "shh")
    monkeypatch.setenv("COORDBOT_ADMIN_IDS", "U1, U2")
    settings = load_settings(_env_file=None)
    assert settings.slack_configured and not settings.feishu_configured
    assert settings.admin_ids == ["U1", "U2"]
    assert "xoxb-secret" not in repr(settings) and "shh" not in str(settings)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("COORDBOT_TIMEZONE", "Nowhere/Land"),
        ("COORDBOT_LANGUAGE", "fr"),
        ("COORDBOT_BOARD_LINK_MINUTES", "0"),
        ("COORDBOT_BOARD_LINK_MINUTES", "61"),
        ("COORDBOT_BOARD_LINK_MINUTES", "ten"),
    ],
)
def test_bad_setting_names_itself(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=name):
        load_settings(_env_file=None)


def test_board_links_open_within_ten_minutes_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings(_env_file=None).web_access.link_lifetime == timedelta(minutes=10)
    monkeypatch.setenv("COORDBOT_BOARD_LINK_MINUTES", "3")
    assert load_settings(_env_file=None).web_access.link_lifetime == timedelta(minutes=3)
