"""The board in a real browser: Debian's Chromium driven headless by Playwright.

One server (the project's ASGI app with the Slack runtime and the board, on uvicorn) and one
browser for the module. A link is asked for with a signed Slack slash command (the fake Web
API receives the answer), opened, and the pages are checked as a person sees them: launches and
items on the timeline, at-risk and overdue styling, Chinese for a Chinese workspace, no reach
into another workspace, an expired link refused, keyboard focus showing details, no console
error and no request to another host; in dark and light mode every text (SVG labels too) and
every status mark has enough contrast against the background computed from the page's styles,
and with JavaScript turned off the pages, links and tooltips still work. Screenshots at desktop
and phone widths are kept in ``artifacts/board/`` (``COORDBOT_UPDATE_DOCS=1`` also refreshes
README's ``docs/board.png``). One more test starts the operator's own ``coordbot serve`` process
and opens the link it hands out.

When CI asked for the tests (``CI=true``) and Chromium is missing they fail; elsewhere they skip.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest

from bot.app import Services
from bot.board.web import board_routes
from bot.server import build_asgi_app
from bot.slack.runtime import create_slack_runtime
from handlers.clock import ManualClock
from handlers.context import Caller
from handlers.core import Coordinator
from storage.db import Database
from tests.board.conftest import START
from tests.serve_process import start_serve
from tests.slack.conftest import (
    ADMIN,
    TEST_CLIENT_OPTIONS,
    LiveServer,
    SlackSender,
    slack_settings,
)
from tests.slack.fake_slack import TEAM_ID, FakeSlack
from tests.slack.limits import all_text

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "board"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
LINK = re.compile(r"http://127\.0\.0\.1:\d+/board/open/[\w-]+")


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


class _Late:
    """An ASGI app set after the server socket is bound (the public URL needs its port)."""

    app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


@dataclass
class Site:
    live: LiveServer
    slack: SlackSender
    fake: FakeSlack
    core: Coordinator
    clock: ManualClock

    def slack_link(self) -> str:
        """A board link asked for with a signed slash command, as Slack would send it."""
        before = len(self.fake.calls_to("response_url"))
        self.slack.command("board", user=ADMIN)
        answer = self.fake.wait_for("response_url", before + 1)[-1]
        assert answer.params.get("response_type") == "ephemeral"  # for the asker only
        found = LINK.search(all_text(answer.params["blocks"]))
        assert found, answer.params
        return found.group(0)

    def core_link(self, caller: Caller) -> str:
        found = LINK.search(self.core.handle_text(caller, "board").reply.plain_text())
        assert found
        return found.group(0)


ZH_CALLER = Caller("slack", "TZH", "UZHANG", "张伟", "CZH", "发布")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    _chromium_or_fail()
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('board') / 'board.db'}")
    db.upgrade()
    clock = ManualClock(START)
    fake = FakeSlack().start()
    fake.add_user(ADMIN, "Ada", tz="UTC")
    late = _Late()
    live = LiveServer(late)
    settings = slack_settings(db.url, fake, public_url=live.url)
    core = Coordinator(db, clock, default_timezone="UTC", web=settings.web_access)
    services = Services(settings=settings, db=db, clock=clock, coordinator=core)
    runtime = create_slack_runtime(services, web_client_options=TEST_CLIENT_OPTIONS)
    services.messengers.register(runtime.messenger)
    late.app = build_asgi_app(db, [*runtime.routes, *board_routes(services)])
    live.start()
    seed(core)
    with httpx.Client(timeout=10) as http:
        yield Site(live, SlackSender(live.url, fake, http), fake, core, clock)
    runtime.stop()
    live.stop()
    fake.stop()
    db.dispose()


def seed(core: Coordinator) -> None:
    ada = Caller("slack", TEAM_ID, ADMIN, "Ada", "CLAUNCH", "launch-v2")
    for text in (
        "dept set dev lead <@UBOB|Bob>",
        "launch new v2.3 2026-12-15",
        "launch new v3.0 2027-01-19",
        "check v2.3 dev 1",
        "add dev Fix login timeout for v2.3 due 2026-11-23 <@UBOB|Bob>",
        "add marketing Press kit for v2.3 due 2026-12-04",
        "add ops Vendor contract for v3.0 due 2027-01-08",
        "block #27 legal review pending",
        "feedback v2.3 bug The export button is hidden on small screens",
        "feedback v2.3 request Dark mode for the dashboard",
        "feedback F2 accept",
    ):
        outcome = core.handle_text(ada, text)
        assert outcome.reply.tone.value != "error", (text, outcome.reply.plain_text())
    for text in (
        "settings language zh",
        "launch new 春季版 2026-12-22",
        "add dev 接口联调 for 春季版 due 2026-12-01",
    ):
        outcome = core.handle_text(ZH_CALLER, text)
        assert outcome.reply.tone.value != "error", (text, outcome.reply.plain_text())


@dataclass
class Watched:
    page: Any
    errors: list[str]
    hosts: set[str]


@pytest.fixture
def watched(browser: Any, site: Site) -> Iterator[Watched]:
    """A fresh browser context (no cookies) whose console errors and request hosts are recorded."""
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    watched = Watched(page, [], set())
    page.on("console", lambda m: watched.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: watched.errors.append(str(e)))
    page.on("request", lambda r: watched.hosts.add(urlparse(r.url).netloc or r.url.split(":")[0]))
    yield watched
    context.close()


def shoot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    return path


def fill(page: Any, selector: str) -> str:
    return page.eval_on_selector(selector, "e => getComputedStyle(e).fill")


def test_the_roadmap_shows_the_data_with_risk_and_overdue_styling(site: Site, watched: Watched) -> None:
    page = watched.page
    page.goto(site.slack_link())
    assert urlparse(page.url).path == "/board/"
    assert page.locator("h1").inner_text() == "Roadmap · next 12 weeks"
    launches = page.locator("svg.timeline .milestone").evaluate_all("els => els.map(e => e.dataset.launch)")
    assert launches == ["v2.3", "v3.0"]
    marks = page.locator("svg.timeline .mark").evaluate_all("els => els.map(e => e.dataset.task)")
    assert {"25", "26", "27"} <= set(marks) and len(marks) >= 20  # 2 × 12 items and the dated tasks
    risky = "svg.timeline .milestone[data-launch='v2.3']"
    assert "ms-risk" in page.get_attribute(risky, "class")
    assert "ms-risk" not in page.get_attribute("svg.timeline .milestone[data-launch='v3.0']", "class")
    overdue = "svg.timeline .mark[data-task='25'] > :not(title)"
    assert "st-overdue" in page.get_attribute("svg.timeline .mark[data-task='25']", "class")
    assert fill(page, overdue) == fill(page, f"{risky} polygon") == "rgb(198, 40, 40)"  # --overdue, --risk
    assert fill(page, "svg.timeline .mark[data-task='27'] > :not(title)") == "rgb(123, 63, 196)"  # blocked
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
    assert page.locator("#task-25 .state").first.inner_text() == "overdue"
    shoot(page, "launch-phone.png")
    page.set_viewport_size(DESKTOP)
    shoot(page, "launch-desktop.png")
    assert watched.errors == []
    assert watched.hosts == {urlparse(site.live.url).netloc}


def test_keyboard_focus_shows_an_elements_details(site: Site, watched: Watched) -> None:
    page = watched.page
    page.goto(site.slack_link())
    page.focus("svg.timeline .milestone[data-launch='v2.3']")
    detail = page.locator("#detail")
    assert detail.is_visible() and detail.inner_text().startswith("v2.3 · Tue 2026-12-15")
    page.keyboard.press("Enter")
    assert page.locator("h1").inner_text() == "Launch v2.3"
    assert watched.errors == []


def test_a_chinese_workspace_renders_chinese_and_cannot_reach_another(site: Site, watched: Watched) -> None:
    page = watched.page
    page.goto(site.core_link(ZH_CALLER))
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("h1").inner_text() == "路线图 · 未来 12 周"
    assert page.locator("svg.timeline .milestone").evaluate_all("els => els.map(e => e.dataset.launch)") == [
        "春季版"
    ]
    assert "v2.3" not in page.content()
    shoot(page, "roadmap-zh.png")
    for guessed in ("/board/launch/1", "/board/launch/2", "/board/department/dev"):
        response = page.goto(site.live.url + guessed)
        assert "v2.3" not in page.content() and "Fix login" not in page.content()
        if "launch" in guessed:
            assert response.status == 404 and "未找到" in page.content()
    assert watched.errors == [] or all("404" in e for e in watched.errors)


def test_an_expired_or_used_link_is_refused(site: Site, watched: Watched) -> None:
    page = watched.page
    expired = site.slack_link()
    site.clock.advance(timedelta(minutes=11))
    try:
        response = page.goto(expired)
    finally:
        site.clock.advance(-timedelta(minutes=11))
    assert response.status == 410
    assert "This link no longer works" in page.locator("h1").inner_text()
    assert "/coord board" in page.content()
    assert page.goto(site.live.url + "/board/").status == 401  # and no session was started
    used = site.slack_link()
    assert page.goto(used).status == 200
    assert page.goto(used).status == 410


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
def test_every_text_has_enough_contrast_in_dark_and_light_mode(site: Site, browser: Any, scheme: str) -> None:
    context = browser.new_context(viewport=DESKTOP, color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(site.slack_link())
        checked = 0
        for path in ("/board/", "/board/launch/1", "/board/department/dev"):
            page.goto(site.live.url + path)
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


def test_the_board_works_without_javascript(site: Site, browser: Any) -> None:
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(site.slack_link())  # the link, its cookie and the redirect need no script
        assert page.locator("h1").inner_text() == "Roadmap · next 12 weeks"
        mark = page.locator("svg.timeline .mark[data-task='25']")
        assert "#25 Fix login timeout" in mark.locator("title").text_content()  # the browser's own tooltip
        assert page.locator("#detail").is_hidden()
        page.click("a >> text=12 weeks")  # the range is a plain link
        page.click("svg.timeline .milestone[data-launch='v2.3'] polygon")  # a chart element is a link
        assert page.locator("h1").inner_text() == "Launch v2.3"
        assert page.locator("#task-25 .state").first.inner_text() == "overdue"
        page.click("header nav a >> text=dev")
        assert page.locator("h1").inner_text().startswith("dev")
        shoot(page, "department-no-script.png")
    finally:
        context.close()


def test_coordbot_serve_hands_out_a_link_that_opens_the_board(browser: Any, tmp_path: Path) -> None:
    """The operator's process: `coordbot serve` on its own database and the real clock, a link
    asked for with signed slash commands, opened in the browser."""
    fake = FakeSlack().start()
    fake.add_user(ADMIN, "Ada", tz="UTC")
    process, base = start_serve(f"sqlite:///{tmp_path / 'serve.db'}", fake, tmp_path)
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
    finally:
        process.terminate()
        process.wait(timeout=20)
        fake.stop()
