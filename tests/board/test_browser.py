"""The board in a real browser: Debian's Chromium driven headless by Playwright, against
``coordbot serve`` as operators run it.

One ``coordbot serve`` process (tests/serve_process.py) and one browser for the module. The
process is installed in two Slack workspaces through the OAuth flow (the fake Slack answers
``oauth.v2.access``); everything is seeded with signed slash commands shaped as Slack sends them,
dated from today since the process runs on the real clock, and every link is asked for with a
signed ``/coord board``: its answer at the fake's response URL is ephemeral, for the asker only.
The pages are checked as a person sees them: launches and items on the timeline, at-risk and
overdue styling, Chinese for the Chinese workspace, no reach into the other workspace even
with guessed ids, a used, expired or revoked link refused, keyboard focus showing details, the
security headers, no console error and no request to another host; in dark and light mode
every text (SVG labels too) and every status mark has enough contrast against the background
computed from the page's styles, and with JavaScript turned off the pages, links and tooltips
still work. Expiry is not waited for: a link ``coordbot serve`` handed out is aged in its
database, as if handed out a minute before or after the lifetime the process was given
(``COORDBOT_BOARD_LINK_MINUTES``) ran out. Screenshots at desktop and phone widths
are kept in ``artifacts/board/`` (``COORDBOT_UPDATE_DOCS=1`` also refreshes README's
``docs/board.png``).

When CI asked for the tests (``CI=true``) and Chromium is missing they fail; elsewhere they skip.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
import pytest
from sqlalchemy import select

from storage.access_links import hash_token
from storage.db import Database
from storage.models import AccessLink
from tests.serve_process import start_serve
from tests.slack.conftest import ADMIN, BOB, SlackSender
from tests.slack.fake_slack import TEAM_ID, FakeSlack
from tests.slack.limits import all_text

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "board"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
FORM = "application/x-www-form-urlencoded"
ZH_TEAM = "T0ZHTEAM"
ZHANG = "UZHANG"
LINK_MINUTES = 5  # the module's serve shortens board links from the default 10 minutes
DOMAINS = {TEAM_ID: "acme", ZH_TEAM: "chuntian"}  # the workspaces' Slack domains


def _chromium_or_fail() -> None:
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    _chromium_or_fail()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        yield chromium
        chromium.close()


def _tuesday_from(day: date) -> date:
    return day + timedelta(days=(1 - day.weekday()) % 7)


def _working_day_before(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


@dataclass(frozen=True)
class Plan:
    """The seeded data's dates, from today: ``coordbot serve`` runs on the real clock."""

    today: date

    @property
    def v23(self) -> date:  # close: its overdue task puts it at risk
        return _tuesday_from(self.today + timedelta(days=18))

    @property
    def v30(self) -> date:  # far enough that nothing of it is due yet
        return self.v23 + timedelta(days=42)

    @property
    def spring(self) -> date:
        return self.v23 + timedelta(days=7)

    @property
    def overdue(self) -> date:
        return _working_day_before(self.today - timedelta(days=2))


@dataclass
class Serve:
    """``coordbot serve`` installed in two Slack workspaces, and a signed sender for commands."""

    base: str
    fake: FakeSlack
    slack: SlackSender
    database_url: str
    plan: Plan
    tasks: dict[str, str]  # the seeded tasks' ids by title

    def say(self, text: str, *, team: str = TEAM_ID, user: str = ADMIN) -> Any:
        """A signed slash command; its answer at the response URL."""
        body = self.slack.command_body(text, user=user, team_id=team, team_domain=DOMAINS[team])
        trigger = body["trigger_id"]
        assert self.slack.post(urlencode(body), FORM).status_code == 200
        (answer,) = self.fake.wait_for("response_url", where=lambda call: call.path.endswith(trigger))
        return answer

    def link(self, *, team: str = TEAM_ID, user: str = ADMIN) -> str:
        """A board link asked for with ``/coord board``, as Slack would send it."""
        answer = self.say("board", team=team, user=user)
        assert answer.params.get("response_type") == "ephemeral"  # for the asker only
        text = all_text(answer.params["blocks"])
        assert f"within {LINK_MINUTES} minutes" in text or f"{LINK_MINUTES} 分钟内" in text, text
        found = re.search(re.escape(self.base) + r"/board/open/[\w-]+", text)
        assert found, answer.params
        return found.group(0)

    def age(self, link: str, by: timedelta) -> None:
        """Move a link's issue and expiry back in the database, as if it was handed out ``by`` ago."""
        db = Database(self.database_url)
        try:
            with db.transaction() as session:
                token = link.rsplit("/", 1)[1]
                row = session.scalars(
                    select(AccessLink).where(AccessLink.token_hash == hash_token(token))
                ).one()
                assert row.expires_at is not None
                row.created_at -= by
                row.expires_at -= by
        finally:
            db.dispose()


def install(http: httpx.Client, base: str, fake: FakeSlack, team: str, installer: str) -> None:
    """Install coordbot in ``team`` through Slack's OAuth flow (the fake grants the code)."""
    fake.oauth_access = {
        "ok": True,
        "app_id": "A123456",
        "authed_user": {"id": installer},
        "scope": "commands,chat:write",
        "token_type": "bot",
        "access_token": f"xoxb-{team.lower()}",
        "bot_user_id": "UBOT",
        "team": {"id": team, "name": DOMAINS[team].title()},
        "enterprise": None,
        "is_enterprise_install": False,
    }
    page = http.get(f"{base}/slack/install")
    found = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', page.text)
    assert page.status_code == 200 and found, page.text
    state = parse_qs(urlparse(found.group(1).replace("&amp;", "&")).query)["state"][0]
    cookie = page.headers["set-cookie"].split(";")[0]
    done = http.get(
        f"{base}/slack/oauth_redirect",
        params={"code": f"code-{team}", "state": state},
        headers={"Cookie": cookie},
    )
    assert done.status_code == 200, done.text


def seed(serve: Serve) -> None:
    plan = serve.plan

    def ok(text: str, *, team: str = TEAM_ID, user: str = ADMIN) -> str:
        answer = all_text(serve.say(text, team=team, user=user).params["blocks"])
        assert "Usage" not in answer and "用法" not in answer, (text, answer)
        return answer

    def add(text: str, title: str, **kwargs: str) -> None:
        found = re.search(r"#(\d+)", ok(text, **kwargs))
        assert found, text
        serve.tasks[title] = found.group(1)

    ok(f"dept set dev lead <@{BOB}|bob>")
    ok(f"launch new v2.3 {plan.v23}")
    ok(f"launch new v3.0 {plan.v30}")
    ok("check v2.3 dev 1")
    add(f"add dev Fix login timeout for v2.3 due {plan.overdue} <@{BOB}|bob>", "Fix login timeout")
    add(f"add marketing Press kit for v2.3 due {plan.v23 - timedelta(days=11)}", "Press kit")
    add(f"add ops Vendor contract for v3.0 due {plan.v30 - timedelta(days=11)}", "Vendor contract")
    ok(f"block #{serve.tasks['Vendor contract']} legal review pending")
    ok("feedback v2.3 bug The export button is hidden on small screens")
    ok("feedback v2.3 request Dark mode for the dashboard")
    ok("feedback F2 accept")
    ok("settings language zh", team=ZH_TEAM, user=ZHANG)
    ok(f"launch new 春季版 {plan.spring}", team=ZH_TEAM, user=ZHANG)
    add(
        f"add dev 接口联调 for 春季版 due {plan.v23 - timedelta(days=14)}",
        "接口联调",
        team=ZH_TEAM,
        user=ZHANG,
    )


@pytest.fixture(scope="module")
def serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serve]:
    _chromium_or_fail()
    folder = tmp_path_factory.mktemp("board-serve")
    database_url = f"sqlite:///{folder / 'board.db'}"
    fake = FakeSlack().start()
    fake.add_user(ADMIN, "Ada", tz="UTC")
    fake.add_user(BOB, "Bob", tz="UTC")
    fake.add_user(ZHANG, "张伟", tz="UTC", locale="zh-CN")
    process, base = start_serve(
        database_url,
        fake,
        folder,
        SLACK_CLIENT_ID="111.222",
        SLACK_CLIENT_SECRET="client-secret",
        COORDBOT_BOARD_LINK_MINUTES=str(LINK_MINUTES),
    )
    try:
        with httpx.Client(timeout=10) as http:
            install(http, base, fake, TEAM_ID, ADMIN)
            install(http, base, fake, ZH_TEAM, ZHANG)
            site = Serve(
                base, fake, SlackSender(base, fake, http), database_url, Plan(datetime.now(UTC).date()), {}
            )
            seed(site)
            yield site
    finally:
        process.terminate()
        process.wait(timeout=20)
        fake.stop()


@pytest.fixture(scope="module")
def signed_in(browser: Any, serve: Serve) -> dict[str, Any]:
    """Ada's session, from one link, for the tests that look at pages rather than at links (the
    process lets one address redeem 10 links a minute; this module redeems 8)."""
    context = browser.new_context()
    try:
        context.new_page().goto(serve.link())
        return context.storage_state()
    finally:
        context.close()


@dataclass
class Watched:
    page: Any
    errors: list[str]
    hosts: set[str]


def watch(context: Any) -> Watched:
    """A page whose console errors and request hosts are recorded."""
    page = context.new_page()
    watched = Watched(page, [], set())
    page.on("console", lambda m: watched.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: watched.errors.append(str(e)))
    page.on("request", lambda r: watched.hosts.add(urlparse(r.url).netloc or r.url.split(":")[0]))
    return watched


@pytest.fixture
def watched(browser: Any) -> Iterator[Watched]:
    """A fresh browser context (no cookies)."""
    context = browser.new_context(viewport=DESKTOP)
    yield watch(context)
    context.close()


@pytest.fixture
def ada(browser: Any, signed_in: dict[str, Any]) -> Iterator[Watched]:
    """A browser context holding Ada's session."""
    context = browser.new_context(viewport=DESKTOP, storage_state=signed_in)
    yield watch(context)
    context.close()


def shoot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    return path


def fill(page: Any, selector: str) -> str:
    return page.eval_on_selector(selector, "e => getComputedStyle(e).fill")


def test_the_roadmap_shows_the_data_with_risk_and_overdue_styling(serve: Serve, watched: Watched) -> None:
    page = watched.page
    opened = page.goto(serve.link())
    assert urlparse(page.url).path == "/board/"
    headers = opened.headers
    assert "default-src 'none'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
    assert page.locator("h1").inner_text() == "Roadmap · next 12 weeks"
    launches = page.locator("svg.timeline .milestone").evaluate_all("els => els.map(e => e.dataset.launch)")
    assert launches == ["v2.3", "v3.0"]
    marks = page.locator("svg.timeline .mark").evaluate_all("els => els.map(e => e.dataset.task)")
    late, kit, vendor = (serve.tasks[t] for t in ("Fix login timeout", "Press kit", "Vendor contract"))
    assert {late, kit, vendor} <= set(marks) and len(marks) >= 20  # 2 × 12 items and the dated tasks
    risky = "svg.timeline .milestone[data-launch='v2.3']"
    assert "ms-risk" in page.get_attribute(risky, "class")
    assert "ms-risk" not in page.get_attribute("svg.timeline .milestone[data-launch='v3.0']", "class")
    assert "st-overdue" in page.get_attribute(f"svg.timeline .mark[data-task='{late}']", "class")
    assert "st-overdue" not in page.get_attribute(f"svg.timeline .mark[data-task='{kit}']", "class")
    overdue = f"svg.timeline .mark[data-task='{late}'] > :not(title)"
    assert fill(page, overdue) == fill(page, f"{risky} polygon") == "rgb(198, 40, 40)"  # --overdue, --risk
    assert (
        fill(page, f"svg.timeline .mark[data-task='{vendor}'] > :not(title)") == "rgb(123, 63, 196)"
    )  # blocked
    assert page.locator("table.roadmap tr.at-risk").get_attribute("data-launch") == "v2.3"
    assert "work past its due date" in page.locator("table.roadmap tr.at-risk").inner_text()
    shoot(page, "roadmap-desktop.png")
    if os.environ.get("COORDBOT_UPDATE_DOCS") == "1":
        shutil.copy(ARTIFACTS / "roadmap-desktop.png", ROOT / "docs" / "board.png")
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # only the chart scrolls
    shoot(page, "roadmap-phone.png")
    page.click("table.roadmap th a >> text=v2.3")
    assert page.locator("h1").inner_text() == "Launch v2.3"
    assert page.locator(f"#task-{late} .state").first.inner_text() == "overdue"
    shoot(page, "launch-phone.png")
    page.set_viewport_size(DESKTOP)
    shoot(page, "launch-desktop.png")
    assert watched.errors == []
    assert watched.hosts == {urlparse(serve.base).netloc}


def test_keyboard_focus_shows_an_elements_details(serve: Serve, ada: Watched) -> None:
    page = ada.page
    page.goto(serve.base + "/board/")
    page.focus("svg.timeline .milestone[data-launch='v2.3']")
    detail = page.locator("#detail")
    assert detail.is_visible() and detail.inner_text().startswith(f"v2.3 · {serve.plan.v23:%a %Y-%m-%d}")
    page.keyboard.press("Enter")
    assert page.locator("h1").inner_text() == "Launch v2.3"
    assert ada.errors == []
    assert ada.hosts == {urlparse(serve.base).netloc}


def test_a_chinese_workspace_renders_chinese_and_cannot_reach_another(serve: Serve, watched: Watched) -> None:
    page = watched.page
    page.goto(serve.link(team=ZH_TEAM, user=ZHANG))
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("h1").inner_text() == "路线图 · 未来 12 周"
    assert page.locator("svg.timeline .milestone").evaluate_all("els => els.map(e => e.dataset.launch)") == [
        "春季版"
    ]
    assert "v2.3" not in page.content()
    shoot(page, "roadmap-zh.png")
    page.click("table.roadmap th a >> text=春季版")
    own = urlparse(page.url).path
    assert (
        own == "/board/launch/3" and "接口联调" in page.content()
    )  # the other workspace's launches are 1 and 2
    for guessed in ("/board/launch/1", "/board/launch/2", "/board/department/dev", "/board/department/ops"):
        response = page.goto(serve.base + guessed)
        assert "v2.3" not in page.content() and "Fix login" not in page.content()
        assert "Vendor contract" not in page.content()
        if "launch" in guessed:
            assert response.status == 404 and "未找到" in page.content()
    assert all("404" in e for e in watched.errors)
    assert watched.hosts == {urlparse(serve.base).netloc}


def test_a_used_expired_or_revoked_link_is_refused(serve: Serve, watched: Watched) -> None:
    page = watched.page
    expired = serve.link()
    serve.age(expired, timedelta(minutes=LINK_MINUTES + 1))  # handed out just over its lifetime ago
    response = page.goto(expired)
    assert response.status == 410
    assert "This link no longer works" in page.locator("h1").inner_text()
    assert "/coord board" in page.content()
    assert page.goto(serve.base + "/board/").status == 401  # and no session was started
    used = serve.link()
    serve.age(used, timedelta(minutes=LINK_MINUTES - 1))  # a minute left: it still opens
    assert page.goto(used).status == 200
    assert page.goto(used).status == 410
    assert page.goto(serve.base + "/board/").status == 200  # the first opening's session holds
    shoot(page, "link-refused.png")
    assert watched.errors == [] or all("410" in e or "401" in e for e in watched.errors)


def test_board_revoke_ends_the_sessions(serve: Serve, watched: Watched) -> None:
    page = watched.page
    assert page.goto(serve.link(user=BOB)).status == 200
    answer = serve.say("board revoke", user=BOB)
    assert answer.params.get("response_type") == "ephemeral"
    assert page.goto(serve.base + "/board/").status == 401
    assert "/coord board" in page.content()


# The contrast of every piece of visible text against the background behind it, from the
# computed styles: WCAG 2's ratio, 4.5 for text (3 for large text: 24px, or 18.66px bold), and
# 3 for the chart's status marks and milestones (non-text contrast).
CONTRAST = """() => {
  const parse = (s) => {
    const m = s && s.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, under) => [0, 1, 2].map((i) => top[i] * top[3] + under[i] * (1 - top[3]));
  const luminance = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const behind = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const bg = parse(getComputedStyle(e).backgroundColor);
      if (bg && bg[3] > 0) layers.push(bg);
    }
    const dark = matchMedia("(prefers-color-scheme: dark)").matches;
    let colour = dark ? [18, 18, 18] : [255, 255, 255];  // the canvas
    for (const layer of layers.reverse()) colour = over(layer, colour);
    return colour;
  };
  const found = [];
  for (const el of document.querySelectorAll("body *")) {
    if (["SCRIPT", "STYLE", "title", "TITLE"].includes(el.tagName)) continue;
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || el.closest("[hidden]")) continue;
    const svg = el instanceof SVGElement;
    const ink = parse(svg ? style.fill : style.color);
    const ground = behind(svg ? el.ownerSVGElement : el);
    const [a, b] = [luminance(over(ink, ground)), luminance(ground)];
    const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
    found.push({
      text: el.textContent.trim().slice(0, 40), tag: el.tagName, cls: el.getAttribute("class") || "",
      ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05),
      large: size >= 24 || (bold && size >= 18.66),
    });
  }
  const marks = [];  // status marks and milestones: non-text contrast (3) of their fill or outline
  for (const el of document.querySelectorAll("svg .mark > :not(title), svg .milestone polygon")) {
    const style = getComputedStyle(el), ground = luminance(behind(el.ownerSVGElement));
    const ratios = [style.fill, style.stroke].map(parse).filter(Boolean).map((ink) => {
      const a = luminance(ink);
      return (Math.max(a, ground) + 0.05) / (Math.min(a, ground) + 0.05);
    });
    marks.push({what: el.parentElement.getAttribute("class"), ratio: Math.max(1, ...ratios)});
  }
  return {body: luminance(behind(document.body)), texts: found, marks: marks};
}"""


@pytest.mark.parametrize("scheme", ["dark", "light"])
def test_every_text_has_enough_contrast_in_dark_and_light_mode(
    serve: Serve, browser: Any, signed_in: dict[str, Any], scheme: str
) -> None:
    context = browser.new_context(viewport=DESKTOP, color_scheme=scheme, storage_state=signed_in)
    try:
        page = context.new_page()
        checked = 0
        for path in ("/board/", "/board/launch/1", "/board/department/dev"):
            page.goto(serve.base + path)
            if path == "/board/launch/1":  # the launch's feedback, with its triage states, is checked too
                assert page.locator("#feedback-1 .state").inner_text() == "new"
                assert page.locator("#feedback-2 .state").inner_text() == "accepted"
            seen = page.evaluate(CONTRAST)
            assert (seen["body"] < 0.05) if scheme == "dark" else (seen["body"] > 0.8), seen["body"]
            poor = [t for t in seen["texts"] if t["ratio"] < (3 if t["large"] else 4.5)]
            assert not poor, (path, poor[:5])
            faint = [m for m in seen["marks"] if m["ratio"] < 3]
            assert not faint, (path, faint[:5])
            checked += len(seen["texts"])
        assert checked > 100  # the check saw the pages' text, SVG labels included
        shoot(page, f"department-{scheme}.png")
    finally:
        context.close()


def test_the_board_works_without_javascript(serve: Serve, browser: Any) -> None:
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(serve.link())  # the link, its cookie and the redirect need no script
        assert page.locator("h1").inner_text() == "Roadmap · next 12 weeks"
        late = serve.tasks["Fix login timeout"]
        mark = page.locator(f"svg.timeline .mark[data-task='{late}']")
        assert (
            f"#{late} Fix login timeout" in mark.locator("title").text_content()
        )  # the browser's own tooltip
        assert page.locator("#detail").is_hidden()
        page.click("a >> text=12 weeks")  # the range is a plain link
        page.click("svg.timeline .milestone[data-launch='v2.3'] polygon")  # a chart element is a link
        assert page.locator("h1").inner_text() == "Launch v2.3"
        assert page.locator(f"#task-{late} .state").first.inner_text() == "overdue"
        page.click("header nav a >> text=dev")
        assert page.locator("h1").inner_text().startswith("dev")
        shoot(page, "department-no-script.png")
    finally:
        context.close()


def test_coordbot_serve_with_one_bot_token_hands_out_a_link_and_limits_redemption(
    browser: Any, tmp_path: Path
) -> None:
    """The operator's simplest setup (SLACK_BOT_TOKEN, one workspace) on its own process: a link
    asked for with signed slash commands opens the board; then redeeming links from one address
    is cut off after 10 in a minute; the log at INFO says what happened, never with a token."""
    fake = FakeSlack().start()
    fake.add_user(ADMIN, "Ada", tz="UTC")
    process, base = start_serve(
        f"sqlite:///{tmp_path / 'serve.db'}", fake, tmp_path, COORDBOT_LOG_LEVEL="INFO"
    )
    try:
        with httpx.Client(timeout=10) as http:
            slack = SlackSender(base, fake, http)
            launch_day = (datetime.now(UTC) + timedelta(days=21)).date().isoformat()
            for n, text in enumerate((f"launch new v9 {launch_day}", "board"), start=1):
                assert slack.command(text, user=ADMIN).status_code == 200
                fake.wait_for("response_url", n)
            answer = fake.calls_to("response_url")[-1]
            found = re.search(re.escape(base) + r"/board/open/[\w-]+", all_text(answer.params["blocks"]))
            assert found, answer.params
            context = browser.new_context(viewport=DESKTOP)
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(found.group(0))
            assert urlparse(page.url).path == "/board/"
            milestones = page.locator("svg.timeline .milestone").evaluate_all(
                "els => els.map(e => e.dataset.launch)"
            )
            assert milestones == ["v9"] and errors == []
            context.close()
            guesses = [http.get(f"{base}/board/open/guess{n}").status_code for n in range(10)]
            assert guesses == [404] * 9 + [429]  # the link opened above was the first of ten
        log = (tmp_path / "serve.log").read_text()
        assert "link redeemed" in log and "link refused" in log and "too many link redemptions" in log
        assert found.group(0).rsplit("/", 1)[1] not in log and "guess" not in log  # no token is logged
    finally:
        process.terminate()
        process.wait(timeout=20)
        fake.stop()


def test_a_missing_chromium_fails_the_tests_when_ci_asked_for_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(f"{__name__}.CHROMIUM", Path("/nonexistent/chromium"))
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="apt-get install -y chromium"):
        _chromium_or_fail()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        _chromium_or_fail()
