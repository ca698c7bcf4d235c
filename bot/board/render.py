"""The board's pages as HTML: the templates, and the words and dates they show in the reader's language."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode, urlsplit

from markupsafe import Markup

from bot.board import svg
from handlers import feedback_views, views
from handlers.board_pages import (
    WEEK_CHOICES,
    DepartmentPage,
    Lane,
    LaunchPage,
    RoadmapPage,
    WorkState,
    work_state,
)
from handlers.execution import Ctx
from handlers.overview_commands import risk_text
from handlers.readiness import is_followup
from handlers.replies import plain_mentions
from handlers.roadmap import RoadmapEntry
from storage import repo
from storage.feedback import FeedbackEntry, LaunchFeedback
from storage.models import Department, Person, Task

if TYPE_CHECKING:
    from jinja2 import Environment

SLACK_REDIRECT = "https://slack.com/app_redirect"  # Slack's documented link that opens a conversation by id
SLACK_DOMAIN = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")  # a workspace's domain: <domain>.slack.com
SLACK_ID = re.compile(r"[A-Z0-9]{2,30}")
SLACK_TS = re.compile(r"\d{10}\.\d{6}")


@dataclass(frozen=True)
class SourceLink:
    url: str
    label: str


class PageRenderer:
    """Renders one request's page for ``ctx``'s reader."""

    def __init__(self, templates: Environment, ctx: Ctx) -> None:
        self.templates = templates
        self.ctx = ctx
        self.tr = ctx.tr
        self.today = ctx.today
        # A page names the same few days and people hundreds of times: say each once.
        self._days: dict[date | None, str] = {}
        self._people: dict[int | None, str] = {}
        self._departments: dict[int, str] = {}
        self._words: dict[tuple[str, str], str] = {}  # (key, value) -> the phrase, e.g. "due Fri 12-04"

    # -- pages ----------------------------------------------------------------------------------

    def roadmap(self, page: RoadmapPage) -> str:
        plan = page.roadmap
        chart = svg.timeline(
            plan.entries, page.lanes, plan.start, plan.end, plan.today, self._timeline_text(plan)
        )
        return self._render(
            "roadmap.html",
            page=page,
            plan=plan,
            chart=chart,
            week_choices=WEEK_CHOICES,
            title=self.tr("board.roadmap_title", weeks=page.weeks),
            departments=page.departments,
        )

    def launch(self, page: LaunchPage) -> str:
        entry = page.entry
        launch = entry.launch
        readiness = entry.readiness
        return self._render(
            "launch.html",
            page=page,
            entry=entry,
            launch=launch,
            readiness=readiness,
            title=self.tr("board.launch_title", name=launch.name),
            departments=page.departments,
            followup=lambda item: is_followup(item, launch),
            burnup=svg.burnup_chart(page.burnup, self.today, self._burnup_text(launch.name)),
        )

    def department(self, page: DepartmentPage) -> str:
        return self._render(
            "department.html",
            page=page,
            title=self.tr("board.department_title", department=self.department_name(page.department)),
            departments=page.departments,
        )

    # -- what templates call --------------------------------------------------------------------

    def day(self, value: date | None) -> str:
        if value not in self._days:
            self._days[value] = views.day(value, self.tr, self.today, relative=False)
        return self._days[value]

    def moment(self, value) -> str:  # type: ignore[no-untyped-def]
        return views.moment(value, self.ctx.zone, self.tr)

    def who(self, person: Person | None) -> str:
        key = person.id if person is not None else None
        if key not in self._people:
            self._people[key] = plain_mentions(views.who(person, self.tr))
        return self._people[key]

    def department_name(self, department: Department) -> str:
        if department.id not in self._departments:
            self._departments[department.id] = views.department_name(department, self.tr)
        return self._departments[department.id]

    def department_of(self, task: Task) -> str:
        """The name of a task's department (said once per department, not loaded per task)."""
        name = self._departments.get(task.department_id)
        return name if name is not None else self.department_name(task.department)

    def state(self, task: Task) -> WorkState:
        return work_state(task, self.today)

    def state_label(self, task: Task) -> str:
        state = self.state(task)
        if state == WorkState.OVERDUE:
            return self._word("board.state.overdue", "")
        return self._word(f"status.{task.status}", "")

    def due(self, day: date | None) -> str:
        return self._word("word.due", self.day(day))

    def _word(self, key: str, value: str) -> str:
        if (key, value) not in self._words:
            self._words[key, value] = self.tr(key, date=value) if value else self.tr(key)
        return self._words[key, value]

    def command(self, task: Task) -> str:
        return f"/coord show #{task.number}"

    def feedback_counts(self, feedback: LaunchFeedback) -> str:
        names = {
            d.key: self.department_name(d) for d in repo.departments(self.ctx.session, self.ctx.workspace)
        }
        return feedback_views.counts_text(feedback, self.tr, names)

    def feedback_kind(self, entry: FeedbackEntry) -> str:
        return feedback_views.kind_label(entry.kind, self.tr)

    def feedback_state(self, entry: FeedbackEntry) -> str:
        """Its triage state: new, accepted, its task, fixed, won't fix, duplicate."""
        return feedback_views.status_label(entry, self.tr)

    def source(self, task: Task) -> SourceLink | None:
        """Where in chat the task came from. On Slack: the permalink Slack gave for the message
        (``chat.getPermalink``, kept when the task was made from it), else the message's permalink
        in Slack's own form from the workspace's domain, else the conversation it was made in. On
        Feishu: the AppLink to the chat kept when the task was made from a message there."""
        workspace, link = self.ctx.workspace, task.source_link
        if link and urlsplit(link).scheme == "https":  # never a javascript: or other scheme as an href
            # Slack's is the message's permalink; Feishu's an AppLink that opens the chat.
            return SourceLink(
                link, self.tr(f"board.source_{'message' if workspace.platform == 'slack' else 'chat'}")
            )
        channel, ts = task.source_channel or "", task.source_message or ""
        if workspace.platform != "slack" or not SLACK_ID.fullmatch(channel):
            return None
        if SLACK_DOMAIN.fullmatch(workspace.name or "") and SLACK_TS.fullmatch(ts):
            url = f"https://{workspace.name}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
            thread = task.source_thread or ""
            if SLACK_TS.fullmatch(thread) and thread != ts:  # a reply: Slack opens it in its thread
                url += "?" + urlencode({"thread_ts": thread, "cid": channel})
            return SourceLink(url, self.tr("board.source_message"))
        query = urlencode({"team": workspace.external_id, "channel": channel})
        return SourceLink(f"{SLACK_REDIRECT}?{query}", self.tr("board.source_channel"))

    def risk(self, entry: RoadmapEntry) -> str:
        return plain_mentions(risk_text(entry, self.tr)) if entry.at_risk else ""

    def state_of_launch(self, entry: RoadmapEntry) -> str:
        if entry.shipped:
            return self.tr("roadmap.shipped")
        if entry.launch.launch_date == self.ctx.today:
            return self.tr("launch.today")
        return self.tr("roadmap.working_days_left", n=entry.working_days_left)

    def percent(self, done: int, total: int) -> int:
        return round(100 * done / total) if total else 0

    def launch_url(self, entry: RoadmapEntry) -> str:
        return f"/board/launch/{entry.launch.id}"

    def department_url(self, department: Department) -> str:
        return f"/board/department/{quote(department.key)}"

    # -- plumbing -------------------------------------------------------------------------------

    def _timeline_text(self, plan) -> svg.TimelineText:  # type: ignore[no-untyped-def]
        tr = self.tr

        def detail(task: Task, state: WorkState) -> str:
            return " · ".join(
                (
                    f"#{task.number} {task.title}",
                    self.department_of(task),
                    self.who(task.assignee),
                    self.due(task.due_date),
                    self.state_label(task),
                )
            )

        def milestone(entry: RoadmapEntry) -> str:
            readiness = entry.readiness
            parts = [entry.launch.name, self.day(entry.launch.launch_date), self.state_of_launch(entry)]
            parts.append(tr("board.ready_count", done=readiness.done, total=readiness.total))
            if entry.at_risk:
                parts.append(self.risk(entry))
            return " · ".join(parts)

        return svg.TimelineText(
            tick=lambda day: (
                views.short_day(day, tr).split(" ")[-1] if tr.lang == "en" else f"{day.month}/{day.day}"
            ),
            today=tr("word.today"),
            label=tr("board.timeline_label", start=self.day(plan.start), end=self.day(plan.end)),
            detail=detail,
            milestone=milestone,
            department=lambda lane: self._lane_label(lane),
            launch_url=self.launch_url,
            task_url=lambda entry, task: f"{self.launch_url(entry)}#task-{task.number}",
        )

    def _burnup_text(self, name: str) -> svg.BurnupText:
        tr = self.tr
        return svg.BurnupText(
            label=tr("board.burnup_label", name=name),
            done=tr("board.burnup_done"),
            total=tr("board.burnup_total"),
            ideal=tr("board.burnup_ideal"),
            tick=self.day,
            point=lambda day, done, total: tr(
                "board.burnup_point", day=self.day(day), done=done, total=total
            ),
        )

    def _lane_label(self, lane: Lane) -> str:
        undated = sum(1 for t in lane.work if t.due_date is None)
        name = self.department_name(lane.department)
        return self.tr("board.lane_undated", department=name, n=undated) if undated else name

    def _render(self, template: str, **values: object) -> str:
        ctx = self.ctx
        return self.templates.get_template(template).render(
            t=self.tr,
            lang=self.tr.lang,
            r=self,
            workspace=ctx.workspace.name or ctx.workspace.external_id,
            me=self.who(ctx.me),
            now=views.moment(ctx.now, ctx.zone, self.tr),
            Markup=Markup,
            **values,
        )
