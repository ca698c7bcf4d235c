"""Launch templates as YAML files: ``coordbot template export|import``.

The file is what an admin edits by hand::

    name: major
    default: false
    items:
      - department: dev
        text: Feature complete
        at: T-10          # working days from the launch date; T+3 after it; leave out for none
        owner: lead       # lead (the default), pm (the launch's owner) or a person's user id

An import is validated whole before anything is written: every bad line gets its own message
(unknown department, bad offset, duplicate item, unknown person …, with its line number), and
then nothing is applied; otherwise the template is created (or, with ``replace``, its items are
replaced) in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers import due
from handlers import grammar as g
from handlers import launch_grammar as lg
from handlers.i18n import Translator
from handlers.launch_items import template_text
from storage import launch_plans, repo
from storage.launch_plans import ItemSpec
from storage.models import LaunchTemplate, OwnerRole, Person, Workspace

ITEM_KEYS = frozenset({"department", "text", "at", "owner"})
TOP_KEYS = frozenset({"name", "default", "items"})


class TemplateFileError(Exception):
    """The file cannot be applied; ``problems`` are ``(line, message)`` pairs, nothing was written."""

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@dataclass
class _Checked:
    name: str = ""
    default: bool = False
    specs: list[ItemSpec] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)


def export_template(session: Session, workspace: Workspace, name: str) -> str:
    """The template as YAML, texts in the workspace's language."""
    template = launch_plans.find_template(session, workspace, name)
    if template is None:
        raise TemplateFileError([(0, _no_template(session, workspace, name))])
    tr = Translator(workspace.language)
    items = []
    for item in launch_plans.template_items(session, template):
        entry: dict[str, Any] = {"department": item.department.key, "text": template_text(item, tr)}
        if item.due_offset is not None:
            entry["at"] = due.offset_label(item.due_offset)
        entry["owner"] = _owner_text(item.owner_role, item.owner)
        items.append(entry)
    data = {"name": template.name, "default": template.is_default, "items": items}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def import_template(
    session: Session, workspace: Workspace, text: str, now: datetime, *, replace: bool = False
) -> LaunchTemplate:
    """Create (or with ``replace`` overwrite) the template the file describes, or raise."""
    checked = check(session, workspace, text)
    existing = launch_plans.find_template(session, workspace, checked.name) if checked.name else None
    if existing is not None and not replace:
        checked.problems.append((1, f"there is already a template called {checked.name} (use --replace)"))
    if checked.problems:
        raise TemplateFileError(sorted(checked.problems))
    template = existing or launch_plans.create_template(session, workspace, checked.name, now)
    launch_plans.replace_template_items(session, template, checked.specs)
    if checked.default:
        launch_plans.set_default(session, workspace, template)
    return template


def check(session: Session, workspace: Workspace, text: str) -> _Checked:
    """Every problem of the file, by line; the items it describes."""
    checked = _Checked()
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        checked.problems.append(
            (mark.line + 1 if mark else 1, f"not valid YAML: {getattr(exc, 'problem', exc)}")
        )
        return checked
    if not isinstance(root, yaml.MappingNode):
        checked.problems.append((1, "the file must be a mapping with name, default and items"))
        return checked
    fields = _mapping(root, checked, TOP_KEYS)
    name_node = fields.get("name")
    checked.name = _scalar(name_node) or ""
    if not checked.name:
        checked.problems.append((_line(root), "the template needs a name"))
    elif not lg.valid_name(checked.name):
        checked.problems.append((_line(name_node), f"“{checked.name}” can't be a template name"))
    default_node = fields.get("default")
    if default_node is not None:
        value = _scalar(default_node)
        if value not in ("true", "false", "yes", "no"):
            checked.problems.append((_line(default_node), "default must be true or false"))
        checked.default = value in ("true", "yes")
    items = fields.get("items")
    if not isinstance(items, yaml.SequenceNode):
        checked.problems.append((_line(items or root), "items must be a list"))
        return checked
    context = _Context(session, workspace)
    for node in items.value:
        spec = _item(node, checked, context)
        if spec is not None:
            checked.specs.append(spec)
    return checked


@dataclass
class _Context:
    session: Session
    workspace: Workspace
    seen: set[tuple[int, str]] = field(default_factory=set)

    def person(self, user_id: str) -> Person | None:
        query = select(Person).where(Person.workspace_id == self.workspace.id, Person.user_id == user_id)
        return self.session.scalars(query).one_or_none()


def _item(node: yaml.Node, checked: _Checked, context: _Context) -> ItemSpec | None:
    if not isinstance(node, yaml.MappingNode):
        checked.problems.append((_line(node), "each item must be a mapping: department, text, at, owner"))
        return None
    problems_before = len(checked.problems)
    fields = _mapping(node, checked, ITEM_KEYS)
    word = _scalar(fields.get("department")) or ""
    department = repo.find_department(context.session, context.workspace, word) if word else None
    if department is None:
        known = ", ".join(d.key for d in repo.departments(context.session, context.workspace))
        where = fields.get("department", node)
        message = (
            f"unknown department “{word}” (departments: {known})" if word else "the item needs a department"
        )
        checked.problems.append((_line(where), message))
    text = (_scalar(fields.get("text")) or "").strip()
    if not text:
        checked.problems.append((_line(node), "the item needs a text"))
    elif len(text) > lg.MAX_ITEM_TEXT:
        checked.problems.append(
            (_line(fields["text"]), f"the text is longer than {lg.MAX_ITEM_TEXT} characters")
        )
    offset = _offset(fields.get("at"), checked)
    role, owner = _owner(fields.get("owner"), checked, context)
    if department is not None and text:
        key = (department.id, text.casefold())
        if key in context.seen:
            checked.problems.append((_line(node), f"duplicate item: {department.key} already has “{text}”"))
        context.seen.add(key)
    if len(checked.problems) > problems_before or department is None:
        return None
    return ItemSpec(department, text, offset, role, owner)


def _offset(node: yaml.Node | None, checked: _Checked) -> int | None:
    raw = _scalar(node)
    if node is None or raw in (None, ""):
        return None
    token = raw if raw.upper().startswith("T") else f"T{raw if raw.startswith(('-', '+')) else '+' + raw}"
    try:
        offset = lg.parse_offset(token, "template")
    except g.UsageError:
        checked.problems.append(
            (_line(node), f"offset {raw} is beyond a year ({lg.MAX_OFFSET} working days)")
        )
        return None
    if offset is None:
        checked.problems.append((_line(node), f"bad offset “{raw}”: write T-10, T+1 or T0"))
    return offset


def _owner(node: yaml.Node | None, checked: _Checked, context: _Context) -> tuple[str, Person | None]:
    raw = (_scalar(node) or "").strip()
    if not raw or raw.lower() == OwnerRole.LEAD:
        return OwnerRole.LEAD, None
    if raw.lower() == OwnerRole.PM:
        return OwnerRole.PM, None
    person = context.person(raw.removeprefix("@"))
    if person is None:
        checked.problems.append(
            (_line(node), f"unknown person “{raw}”: give lead, pm or a user id coordbot knows")
        )
        return OwnerRole.LEAD, None
    return OwnerRole.PERSON, person


def _owner_text(role: str, owner: Person | None) -> str:
    if role == OwnerRole.PERSON and owner is not None:
        return owner.user_id
    return OwnerRole.PM if role == OwnerRole.PM else OwnerRole.LEAD


def _mapping(node: yaml.MappingNode, checked: _Checked, allowed: frozenset[str]) -> dict[str, yaml.Node]:
    fields: dict[str, yaml.Node] = {}
    for key_node, value_node in node.value:
        key = _scalar(key_node) or ""
        if key not in allowed:
            checked.problems.append(
                (_line(key_node), f"unknown field “{key}” (fields: {', '.join(sorted(allowed))})")
            )
        elif key in fields:
            checked.problems.append((_line(key_node), f"“{key}” is given twice"))
        else:
            fields[key] = value_node
    return fields


def _scalar(node: yaml.Node | None) -> str | None:
    return str(node.value) if isinstance(node, yaml.ScalarNode) else None


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _no_template(session: Session, workspace: Workspace, name: str) -> str:
    known = ", ".join(t.name for t in launch_plans.templates(session, workspace))
    return f"there is no template “{name}” (templates: {known})"
