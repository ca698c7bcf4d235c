"""How launch feedback reads: item lines, the +1 and "Log feedback" buttons, what has come in.

Everything here is built from :class:`storage.feedback.LaunchFeedback` (the read other features
share), in the language of the translator given; nothing queries or sends.
"""

from __future__ import annotations

from collections.abc import Mapping

from handlers.i18n import Translator
from handlers.replies import Button, ButtonStyle, Field, Section
from storage.feedback import FeedbackEntry, LaunchFeedback
from storage.models import FeedbackKind, FeedbackStatus, Launch

ACTION_VOTE = "feedback.vote"  # value "F<number>"
ACTION_LOG = "feedback.log"  # value "launch/<launch id>": answered with the feedback form
ACTIONS = (ACTION_VOTE, ACTION_LOG)
LINE_LIMIT = 10  # items per kind a follow-up shows


def kind_label(kind: str | None, tr: Translator) -> str:
    return tr(f"feedback.kind.{kind or 'none'}")


def status_label(entry: FeedbackEntry, tr: Translator) -> str:
    if entry.status in (FeedbackStatus.TASK, FeedbackStatus.DONE) and entry.task_number is not None:
        return tr(f"feedback.status.{entry.status}", task=entry.task_number)
    return tr(f"feedback.status.{entry.status}")


def entry_line(entry: FeedbackEntry, tr: Translator, *, kind: bool = True) -> str:
    """``F3 [bug] The export button is hidden — @erin · +2 · → #31``."""
    head = f"F{entry.number}"
    if kind and entry.kind:
        head += f" [{kind_label(entry.kind, tr)}]"
    text = entry.text if len(entry.text) <= 120 else entry.text[:119] + "…"
    details = [f"@{entry.author}" if entry.author else tr("word.nobody")]
    if entry.votes:
        details.append(f"+{entry.votes}")
    details.append(status_label(entry, tr))
    if entry.carried_from:
        details.append(tr("feedback.from_launch", launch=entry.carried_from))
    return f"{head} {text} — {' · '.join(details)}"


def vote_button(number: int, tr: Translator) -> Button:
    return Button(ACTION_VOTE, tr("button.feedback_vote", number=number), f"F{number}")


def log_button(launch: Launch, tr: Translator) -> Button:
    return Button(ACTION_LOG, tr("button.feedback_log"), f"launch/{launch.id}", ButtonStyle.PRIMARY)


def counts_text(summary: LaunchFeedback, tr: Translator, names: Mapping[str, str] | None = None) -> str:
    """``5 in all, 2 not triaged yet · dev 3 · design 1 · no department 1``; ``names`` are the
    departments' names in the reader's language, by key."""
    departments = department_counts(summary, tr, names)
    head = tr("feedback.counts", n=summary.total, new=summary.untriaged, open=summary.open)
    return f"{head} · {departments}" if departments else head


def department_counts(summary: LaunchFeedback, tr: Translator, names: Mapping[str, str] | None = None) -> str:
    """``dev 3 · design 1 · no department 1`` (most first; ``names`` as for :func:`counts_text`)."""
    names = names or {}
    return " · ".join(
        f"{names.get(key, key) if key else tr('feedback.no_department')} {n}"
        for key, n in sorted(summary.by_department.items(), key=lambda kv: (not kv[0], -kv[1], kv[0]))
    )


def kind_fields(summary: LaunchFeedback, tr: Translator) -> tuple[Field, ...]:
    """How many of each kind (bugs, requests, praise, questions, then those of no kind)."""
    return tuple(
        Field(kind_label(kind or None, tr), str(n))
        for kind, n in sorted(summary.by_kind.items(), key=lambda kv: _kind_order(kv[0]))
    )


def received_sections(
    summary: LaunchFeedback, launch: Launch, tr: Translator, names: Mapping[str, str] | None = None
) -> list[Section]:
    """A follow-up's feedback so far: counts by kind and department, the items by kind, the button."""
    button = (log_button(launch, tr),)
    if not summary.total:
        return [Section(text=tr("feedback.none_yet", launch=launch.name), buttons=button)]
    sections = [
        Section(
            title=tr("feedback.so_far", n=summary.total),
            text=counts_text(summary, tr, names),
            fields=kind_fields(summary, tr),
        )
    ]
    for kind in (*FeedbackKind.ALL, ""):
        entries = [e for e in summary.entries if (e.kind or "") == kind]
        if not entries:
            continue
        sections.append(
            Section(
                title=f"{kind_label(kind or None, tr)} ({len(entries)})",
                items=tuple(entry_line(e, tr, kind=False) for e in entries[:LINE_LIMIT]),
                more=max(0, len(entries) - LINE_LIMIT),
            )
        )
    sections.append(Section(context=tr("feedback.how", launch=launch.name), buttons=button))
    return sections


def _kind_order(kind: str) -> int:
    return FeedbackKind.ALL.index(kind) if kind in FeedbackKind.ALL else len(FeedbackKind.ALL)
