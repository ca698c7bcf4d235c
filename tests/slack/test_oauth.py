"""Multi-workspace OAuth: install, redirect, per-team tokens for requests and outbound messages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from sqlalchemy import inspect

from bot.app import Services
from bot.messenger import DeliveryError
from bot.server import build_asgi_app
from bot.slack.runtime import SlackRuntime, create_slack_runtime
from handlers.clock import ManualClock
from handlers.replies import Outbound, Reply, Target
from storage.db import Database
from tests.slack.conftest import (
    ALICE,
    TEST_CLIENT_OPTIONS,
    LiveServer,
    SlackSender,
    make_services,
    slack_settings,
)
from tests.slack.fake_slack import FakeSlack

TEAM2 = "T0SECOND"
TOKEN2 = "xoxb-second-team"


@pytest.fixture
def oauth(
    db: Database, clock: ManualClock, fake: FakeSlack
) -> Iterator[tuple[Services, SlackRuntime, LiveServer]]:
    settings = slack_settings(
        db.url, fake, slack_bot_token=None, slack_client_id="111.222", slack_client_secret="client-secret"
    )
    services = make_services(settings, db, clock)
    runtime = create_slack_runtime(services, web_client_options=TEST_CLIENT_OPTIONS)
    services.messengers.register(runtime.messenger)
    server = LiveServer(build_asgi_app(db, runtime.routes)).start()
    yield services, runtime, server
    server.stop()
    runtime.stop()


def test_migration_creates_the_store_tables(db: Database) -> None:
    tables = set(inspect(db.engine).get_table_names())
    assert {"slack_installations", "slack_bots", "slack_oauth_states"} <= tables


def test_install_redirect_then_the_team_is_served_with_its_own_token(
    oauth: tuple[Services, SlackRuntime, LiveServer], fake: FakeSlack
) -> None:
    _services, runtime, server = oauth
    fake.oauth_access = {
        "ok": True,
        "app_id": "A123456",
        "authed_user": {"id": ALICE},
        "scope": "commands,chat:write",
        "token_type": "bot",
        "access_token": TOKEN2,
        "bot_user_id": "UBOT2",
        "team": {"id": TEAM2, "name": "Second"},
        "enterprise": None,
        "is_enterprise_install": False,
    }
    with httpx.Client(timeout=10, follow_redirects=False) as http:
        install = http.get(f"{server.url}/slack/install")
        assert install.status_code == 200
        match = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', install.text)
        assert match, install.text
        query = parse_qs(urlparse(match.group(1).replace("&amp;", "&")).query)
        assert query["client_id"] == ["111.222"]
        assert "commands" in query["scope"][0]
        state = query["state"][0]
        cookie = install.headers["set-cookie"].split(";")[0]

        forged = http.get(f"{server.url}/slack/oauth_redirect", params={"code": "c0de", "state": "forged"})
        assert forged.status_code >= 400
        done = http.get(
            f"{server.url}/slack/oauth_redirect",
            params={"code": "c0de", "state": state},
            headers={"Cookie": cookie},
        )
        assert done.status_code == 200, done.text
    (access,) = fake.calls_to("oauth.v2.access")
    assert access.params["code"] == "c0de"

    # a slash command from the new team is authorised with that team's token
    with httpx.Client(timeout=10) as http:
        sender = SlackSender(server.url, fake, http)
        body = sender.command_body("help")
        body["team_id"] = TEAM2
        from urllib.parse import urlencode

        assert sender.post(urlencode(body), "application/x-www-form-urlencoded").status_code == 200
        fake.wait_for("response_url")
        users_info = [c for c in fake.calls if c.method == "users.info"]
        assert users_info and all(c.token == TOKEN2 for c in users_info)

        # a team that never installed gets nothing done
        body = sender.command_body("add dev Nope")
        body["team_id"] = "T0UNKNOWN"
        sender.post(urlencode(body), "application/x-www-form-urlencoded")

    # outbound messages use the installation's token; unknown teams fail permanently
    runtime.messenger.send(Outbound("slack", TEAM2, Target.channel("C1"), Reply("hello")))
    (post,) = fake.calls_to("chat.postMessage")
    assert post.token == TOKEN2
    with pytest.raises(DeliveryError) as caught:
        runtime.messenger.send(Outbound("slack", "T0UNKNOWN", Target.channel("C1"), Reply("hello")))
    assert caught.value.permanent
