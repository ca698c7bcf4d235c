"""Forms on Slack, end to end: "Not ready", "Go with risks" and "Postpone" pressed on a card open a
modal (``views.open`` with the press's ``trigger_id``); its signed ``view_submission`` runs the
sign-off or the decision with the commands' permissions, errors go back on the field at fault
(``response_action: errors``) and the answer goes through the press's ``response_url``."""

from __future__ import annotations

import html
import json
from typing import Any

from sqlalchemy import select

from bot.app import Services
from bot.slack import forms
from handlers.feedback_views import ACTION_LOG
from handlers.launch_views import ACTION_GO_RISK, ACTION_POSTPONE, ACTION_SIGNOFF_NOT_READY
from handlers.next_version import ACTION_NEXT
from storage.models import Department, Feedback, Launch, SignOff
from tests.slack.conftest import ADMIN, ALICE, BOB, CHANNEL, SlackSender
from tests.slack.fake_slack import FakeSlack
from tests.slack.test_launch_plans import launch  # noqa: F401  (the fixture)


def ids(services: Services) -> tuple[int, int]:
    with services.db.transaction() as session:
        launch_id = session.scalars(select(Launch.id)).one()
        dev = session.scalars(select(Department.id).where(Department.key == "dev")).one()
    return launch_id, dev


def press(slack: SlackSender, fake: FakeSlack, action: str, value: str, user: str) -> dict[str, Any]:
    """Press a button; the modal it opened (``views.open``), checked against Slack's limits."""
    before = len(fake.calls_to("views.open"))
    slack.block_action({"action_id": f"{action}:1", "block_id": "b1", "value": value}, user=user)
    call = fake.wait_for("views.open", before + 1)[-1]
    view = call.json("view")
    assert call.params["trigger_id"].startswith("1334522460.")
    assert view["type"] == "modal" and view["callback_id"] == forms.CALLBACK_ID
    assert all(len(view[k]["text"]) <= 24 for k in ("title", "submit", "close"))
    return view


def text_input(text: str) -> dict[str, Any]:
    return {"value": {"type": "plain_text_input", "value": text}}


def test_not_ready_opens_a_modal_whose_submission_signs_off(
    slack: SlackSender,
    fake: FakeSlack,
    launch: Services,  # noqa: F811
) -> None:
    launch_id, dev = ids(launch)
    slack.block_action(
        {"action_id": f"{ACTION_SIGNOFF_NOT_READY}:1", "block_id": "b1", "value": f"{launch_id}/{dev}"},
        user=ALICE,
    )
    (refused,) = fake.wait_for("response_url")
    assert "Only the dev lead" in refused.params["text"] and not fake.calls_to("views.open")
    view = press(slack, fake, ACTION_SIGNOFF_NOT_READY, f"{launch_id}/{dev}", BOB)
    (reason,) = [b for b in view["blocks"] if b["type"] == "input"]
    assert reason["block_id"] == "reason" and reason["element"]["multiline"] is True
    assert reason["element"]["max_length"] == 300 and reason["optional"] is False
    metadata = json.loads(view["private_metadata"])
    assert metadata["action"] == ACTION_SIGNOFF_NOT_READY and metadata["channel"] == CHANNEL
    fake.clear()
    blank = slack.view_submission(view, {"reason": text_input("  ")}, user=BOB).json()
    assert blank["response_action"] == "errors" and list(blank["errors"]) == ["reason"]
    assert "未就绪" in blank["errors"]["reason"]  # Bob's Slack is in Chinese
    other = slack.view_submission(view, {"reason": text_input("not mine")}, user=ALICE).json()
    assert "Only the dev lead" in other["errors"]["reason"]
    with launch.db.transaction() as session:
        assert session.scalars(select(SignOff)).all() == []
    done = slack.view_submission(view, {"reason": text_input("load test fails")}, user=BOB)
    assert done.status_code == 200 and done.text == ""
    (answer,) = fake.wait_for("response_url")  # the press's, in the channel the card was in
    assert answer.path.endswith(metadata["response_url"].rsplit("/", 1)[1])
    assert answer.params["response_type"] == "in_channel" and "load test fails" in answer.params["text"]
    with launch.db.transaction() as session:
        (row,) = session.scalars(select(SignOff)).all()
        assert not row.ready and row.note == "load test fails"
    # the same submission delivered again does nothing more
    assert slack.view_submission(view, {"reason": text_input("again")}, user=BOB).status_code == 200


def test_the_decision_buttons_open_forms_for_the_risks_and_the_new_date(
    slack: SlackSender,
    fake: FakeSlack,
    launch: Services,  # noqa: F811
) -> None:
    launch_id, _ = ids(launch)
    value = f"launch/{launch_id}"
    risky = press(slack, fake, ACTION_GO_RISK, value, ADMIN)
    assert [b["block_id"] for b in risky["blocks"] if b["type"] == "input"] == ["risks"]
    assert slack.view_submission(risky, {"risks": text_input("blog a day late")}, user=ADMIN).text == ""
    (decided,) = fake.wait_for("response_url", where=lambda c: "accepted risks" in c.params["text"])
    assert "blog a day late" in decided.params["text"]
    postpone = press(slack, fake, ACTION_POSTPONE, value, ADMIN)
    (picker,) = [b for b in postpone["blocks"] if b["type"] == "input"]
    assert picker["block_id"] == "date" and picker["element"]["type"] == "datepicker"
    past = {"date": {"value": {"type": "datepicker", "selected_date": "2026-11-01"}}}
    assert list(slack.view_submission(postpone, past, user=ADMIN).json()["errors"]) == ["date"]
    later = {"date": {"value": {"type": "datepicker", "selected_date": "2026-12-18"}}}
    assert slack.view_submission(postpone, later, user=ADMIN).text == ""
    fake.wait_for("response_url", where=lambda c: "2026-12-18" in c.params["text"])
    with launch.db.transaction() as session:
        assert str(session.scalars(select(Launch.launch_date)).one()) == "2026-12-18"


def test_a_modal_that_cannot_open_leaves_the_command_to_type(
    slack: SlackSender,
    fake: FakeSlack,
    launch: Services,  # noqa: F811
) -> None:
    launch_id, dev = ids(launch)
    fake.fail("views.open", "expired_trigger_id")
    slack.block_action(
        {"action_id": f"{ACTION_SIGNOFF_NOT_READY}:1", "block_id": "b1", "value": f"{launch_id}/{dev}"},
        user=BOB,
    )
    (answer,) = fake.wait_for("response_url")
    assert answer.params["response_type"] == "ephemeral"
    assert "/coord signoff v2 dev not ready" in html.unescape(answer.params["text"])


def test_the_followup_buttons_open_the_feedback_and_next_version_modals(
    slack: SlackSender,
    fake: FakeSlack,
    launch: Services,  # noqa: F811
) -> None:
    launch_id, _ = ids(launch)
    view = press(slack, fake, ACTION_LOG, f"launch/{launch_id}", BOB)
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert inputs["kind"]["type"] == "static_select" and inputs["text"]["multiline"] is True
    kind = {"value": {"type": "static_select", "selected_option": {"value": "request"}}}
    done = slack.view_submission(view, {"kind": kind, "text": text_input("Dark mode please")}, user=BOB)
    assert done.status_code == 200 and done.text == ""
    with launch.db.transaction() as session:
        item = session.scalars(select(Feedback)).one()
        assert (item.number, item.kind, item.text) == (1, "request", "Dark mode please")
    fake.clear()
    view = press(slack, fake, ACTION_NEXT, f"launch/{launch_id}", ADMIN)
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert inputs["name"]["initial_value"] == "v3" and inputs["date"]["type"] == "datepicker"
    values = {
        "name": text_input("v3"),
        "date": {"value": {"type": "datepicker", "selected_date": "2027-01-20"}},
        "plan": {"value": {"type": "static_select", "selected_option": {"value": "template"}}},
        "carry": {"value": {"type": "static_select", "selected_option": {"value": "yes"}}},
    }
    made = slack.view_submission(view, values, user=ADMIN)
    assert made.status_code == 200 and made.text == "", made.text
    with launch.db.transaction() as session:
        names = session.scalars(select(Launch.name).order_by(Launch.id)).all()
        assert names[-1] == "v3"
