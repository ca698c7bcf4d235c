"""The launch plan's command language: launches and their items, sign-off (templates:
:mod:`handlers.template_grammar`).

Parsed into the typed commands below, or a :class:`~handlers.grammar.UsageError`; registered
into :mod:`handlers.grammar` (which imports this module) so every platform parses them the same
way. Like the rest of the grammar it never touches the database. Offsets are written ``T-10``
(ten working days before the launch date), ``T+1`` (one after), ``T0`` (the launch day).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from handlers import grammar as g

MAX_OFFSET = 260  # working days: a year
MAX_ITEM_TEXT = 200
MAX_NOTE = 300
RESERVED_NAMES = frozenset(
    {"new", "add", "create", "list", "ls", "show", "default", "delete", "remove", "copy", "from"}
)  # words a subcommand may start with: no launch or template is called that

NEW_USAGE = "launch_new"  # usage shown for mistakes in making a launch
ITEM_USAGE = "launch_item"  # usage shown for mistakes in a launch's items
COURSE_USAGE = "launch_course"  # … in its date, owner, status and decision
_OFFSET = re.compile(r"^[Tt](?:([+-])(\d{1,6})|0)$")


@dataclass(frozen=True)
class OwnerSpec:
    """Who owns an item: the department's ``lead``, the launch's owner (``pm``), or one person."""

    role: str  # models.OwnerRole: "lead" | "pm" | "person"
    person: g.PersonRef | None = None


@dataclass(frozen=True)
class ItemRef:
    """An item of a launch: ``dev 2`` (the second dev item) or ``#14`` (its task number)."""

    department: str | None = None
    position: int | None = None
    number: int | None = None


# --------------------------------------------------------------------------- launches


@dataclass(frozen=True)
class NewLaunch:
    """A launch; with ``previous``, the next version of that one (``from v2.3``): its template (or,
    with ``copy_items``, its items as edited), and unless ``carry`` is off its open tasks and its
    untriaged or accepted feedback."""

    name: str
    day: date
    channel: g.ChannelRef | None = None
    template: str | None = None
    previous: str | None = None
    copy_items: bool = False
    carry: bool = True


@dataclass(frozen=True)
class ListLaunches:
    pass


@dataclass(frozen=True)
class ShowLaunch:
    name: str


@dataclass(frozen=True)
class AddLaunchItem:
    launch: str
    department: str
    text: str
    due: date | None = None
    offset: int | None = None
    owner: OwnerSpec | None = None


@dataclass(frozen=True)
class RemoveLaunchItem:
    launch: str
    item: ItemRef


@dataclass(frozen=True)
class EditLaunchItem:
    """Re-date (``due <date>`` or ``at T-3``) or re-own (``owner @person|lead|pm``) one item."""

    launch: str
    item: ItemRef
    due: date | None = None
    offset: int | None = None
    owner: OwnerSpec | None = None


@dataclass(frozen=True)
class RescheduleLaunch:
    launch: str
    day: date
    postpone: bool = False  # said as the go/no-go decision ("postpone"), not a plain move


@dataclass(frozen=True)
class SetLaunchOwner:
    launch: str
    person: g.PersonRef


@dataclass(frozen=True)
class CancelLaunch:
    launch: str


@dataclass(frozen=True)
class MarkLaunched:
    launch: str


@dataclass(frozen=True)
class DecideLaunch:
    """Go, or go with accepted risks (``risk`` is their text)."""

    launch: str
    risk: str | None = None


@dataclass(frozen=True)
class SignOffDepartment:
    launch: str
    department: str
    ready: bool
    note: str | None = None


LaunchCommand = (
    NewLaunch
    | ListLaunches
    | ShowLaunch
    | AddLaunchItem
    | RemoveLaunchItem
    | EditLaunchItem
    | RescheduleLaunch
    | SetLaunchOwner
    | CancelLaunch
    | MarkLaunched
    | DecideLaunch
    | SignOffDepartment
)

VERBS: dict[str, str] = {
    "signoff": "signoff", "sign-off": "signoff", "sign": "signoff", "签核": "signoff", "签字": "signoff",
}  # fmt: skip
COMMAND_NAMES = ("signoff",)

LIST_WORDS = {"list", "ls", "列表"}
NEW_WORDS = {"new", "add", "create", "新建"}
ADD_WORDS = {"add", "添加"}
REMOVE_WORDS = {"remove", "delete", "rm", "删除", "移除"}
_AT = {"at", "于"}
_OWNER = {"owner", "负责人"}
_TEMPLATE_WORD = {"template", "模板"}
FROM_WORDS = {"from", "after", "基于", "接续"}
ITEMS_WORDS = {"items", "copy-items", "same-items", "沿用清单"}
CARRY_WORDS = {"carry", "carry-over", "带入"}
NO_CARRY_WORDS = {"nocarry", "no-carry", "fresh", "不带入"}
_DATE = {"date", "reschedule", "move", "改期"}
_TO = {"to", "到", "至"}
_POSTPONE = {"postpone", "delay", "推迟", "延期"}
_CANCEL = {"cancel", "取消"}
_LAUNCHED = {"launched", "shipped", "已上线", "已发布"}
_GO = {"go", "放行", "发布"}
_RISK = {"risk", "risks", "带风险"}
_READY = {"ready", "就绪", "ok"}
_NOT = {"not", "no"}
_NOT_READY = {"未就绪", "not-ready", "notready"}
_LEAD = {"lead", "负责人", "部门负责人"}
_PM = {"pm", "owner", "launch-owner", "产品经理"}


def _words(args: list[str]) -> str:
    return " ".join(g.unquote(a) for a in args).strip()


def valid_name(name: str) -> bool:
    """A launch's or template's name: letters, digits, ``. - _ +``, not a subcommand's word."""
    return (
        bool(name)
        and len(name) <= g.MAX_NAME
        and bool(g._NAME.match(name))
        and name.lower() not in RESERVED_NAMES
    )


def parse_name(token: str, usage: str, key: str = "err.bad_launch_name") -> str:
    name = g.unquote(token)
    if not valid_name(name):
        raise g.UsageError(key, usage, {"name": name[:40], "limit": g.MAX_NAME})
    return name


def parse_number(token: str | None, usage: str) -> int:
    if token is None or not token.isdigit() or not 0 < int(token) < 10_000:
        raise g.UsageError("err.bad_item_number", usage, {"token": (token or "")[:40]})
    return int(token)


def parse_offset(token: str, usage: str) -> int | None:
    """``T-10`` -> -10, ``T+1`` -> 1, ``T0`` -> 0; None when ``token`` is not an offset at all."""
    match = _OFFSET.match(token)
    if not match:
        return None
    value = 0 if match.group(2) is None else int(match.group(2)) * (-1 if match.group(1) == "-" else 1)
    if abs(value) > MAX_OFFSET:
        raise g.UsageError("err.offset_too_far", usage, {"offset": token[:12], "limit": MAX_OFFSET})
    return value


def parse_owner(words: list[str], usage: str) -> OwnerSpec:
    if len(words) == 1:
        if (ref := g.person_ref(words[0])) is not None:
            return OwnerSpec("person", ref)
        if words[0].lower() in _LEAD:
            return OwnerSpec("lead")
        if words[0].lower() in _PM:
            return OwnerSpec("pm")
    raise g.UsageError("err.bad_owner", usage, {"text": " ".join(words)[:40]})


@dataclass
class _Options:
    """What trails an item's text: ``at T-3`` (or a bare ``T-3``), ``due <date>``, ``owner …``."""

    offset: int | None = None
    due: date | None = None
    owner: OwnerSpec | None = None


def peel_options(
    rest: list[str], reader: g.DateReader, usage: str, *, dates: bool
) -> tuple[list[str], _Options]:
    """Options are taken from the end of ``rest`` while they read as options; the rest is the text."""
    found = _Options()
    changed = True
    while changed and rest:
        changed = False
        if len(rest) >= 2 and rest[-2].lower() in _OWNER and found.owner is None:
            found.owner, rest, changed = parse_owner(rest[-1:], usage), rest[:-2], True
            continue
        offset = parse_offset(rest[-1], usage)
        if offset is not None and found.offset is None and found.due is None:
            cut = 2 if len(rest) >= 2 and rest[-2].lower() in _AT else 1
            found.offset, rest, changed = offset, rest[:-cut], True
            continue
        if dates and found.due is None and found.offset is None:
            trailing = g.trailing_due(rest, reader)
            if trailing is not None and trailing[1] is not None:
                at, found.due = trailing
                rest, changed = rest[:at], True
                continue
            if len(rest) > 1 and (day := g.bare_chinese_day(rest[-1], reader)):
                found.due, rest, changed = day, rest[:-1], True
                continue
        if found.owner is None and (ref := g.person_ref(rest[-1])) is not None:  # ``owner`` needs no word
            found.owner, rest, changed = OwnerSpec("person", ref), rest[:-1], True
        elif dates and found.owner is None and found.due is None and (dated := g.dated_person(rest, reader)):
            at, person, found.due = dated
            found.owner, rest, changed = OwnerSpec("person", person), rest[:at], True
    return rest, found


def item_text(words: list[str], usage: str) -> str:
    text = _words(words)
    if not text:
        raise g.UsageError("err.missing_item_text", usage)
    if len(text) > MAX_ITEM_TEXT:
        raise g.UsageError("err.title_too_long", usage, {"limit": MAX_ITEM_TEXT})
    return text


# --------------------------------------------------------------------------- launch


def parse_launch(_verb: str, args: list[str], reader: g.DateReader) -> LaunchCommand:
    usage = "launch"
    if not args or args[0].lower() in LIST_WORDS:
        if len(args) > 1:
            raise g.UsageError("err.extra_words", usage, {"words": " ".join(args[1:])[:60]})
        return ListLaunches()
    if args[0].lower() in NEW_WORDS:
        return _parse_new_launch(args[1:], reader)
    args = _name_first(args)
    name = parse_name(args[0], usage)
    rest = args[1:]
    if not rest:
        return ShowLaunch(name)
    sub, tail = rest[0].lower(), rest[1:]
    if sub in ADD_WORDS:
        if not tail:
            raise g.UsageError("err.missing_department", ITEM_USAGE, field="department")
        text_words, options = peel_options(tail[1:], reader, ITEM_USAGE, dates=True)
        text = item_text(text_words, ITEM_USAGE)
        return AddLaunchItem(name, tail[0], text, options.due, options.offset, options.owner)
    if sub in REMOVE_WORDS:
        return RemoveLaunchItem(name, _item_ref(tail, ITEM_USAGE))
    if sub in _DATE | _POSTPONE:
        if tail and tail[0].lower() in _TO:
            tail = tail[1:]
        day = _date(tail, reader, COURSE_USAGE)
        return RescheduleLaunch(name, day, postpone=sub in _POSTPONE)
    if sub in _OWNER and len(tail) == 1 and (ref := g.person_ref(tail[0])) is not None:
        return SetLaunchOwner(name, ref)
    if sub in _CANCEL | _LAUNCHED and not tail:
        return CancelLaunch(name) if sub in _CANCEL else MarkLaunched(name)
    if sub in _GO:
        return _parse_go(name, tail, COURSE_USAGE)
    if sub in _OWNER:
        raise g.UsageError("err.bad_owner", COURSE_USAGE, {"text": " ".join(tail)[:40]})
    return _parse_item_edit(name, rest, reader)


_COURSE_VERBS = _DATE | _POSTPONE | _CANCEL | _LAUNCHED | _GO
_SUBCOMMAND_WORDS = _COURSE_VERBS | ADD_WORDS | REMOVE_WORDS | _OWNER


def _name_first(args: list[str]) -> list[str]:
    """``reschedule v2.4 fri`` said verb first is ``v2.4 reschedule fri``: people say both."""
    if len(args) >= 2 and args[0].lower() in _COURSE_VERBS and args[1].lower() not in _SUBCOMMAND_WORDS:
        return [args[1], args[0], *args[2:]]
    return args


def _parse_new_launch(args: list[str], reader: g.DateReader) -> LaunchCommand:
    usage = NEW_USAGE
    if len(args) < 2:
        raise g.UsageError("err.launch_new_args", usage)
    name = parse_name(args[0], usage)
    rest = args[1:]
    channel: g.ChannelRef | None = None
    template: str | None = None
    previous: str | None = None
    copy_items, carry = False, True
    changed = True
    while changed and len(rest) > 1:
        changed = False
        last = rest[-1].lower()
        if len(rest) >= 3 and rest[-2].lower() in _TEMPLATE_WORD and template is None:
            template, rest, changed = parse_name(rest[-1], usage, "err.bad_template_name"), rest[:-2], True
        elif len(rest) >= 3 and rest[-2].lower() in FROM_WORDS and previous is None:
            previous, rest, changed = parse_name(rest[-1], usage), rest[:-2], True
        elif last in ITEMS_WORDS and not copy_items:
            copy_items, rest, changed = True, rest[:-1], True
        elif last in CARRY_WORDS | NO_CARRY_WORDS:
            carry, rest, changed = last in CARRY_WORDS, rest[:-1], True
        elif channel is None and (ref := g.channel_ref(rest[-1])) is not None:
            channel, rest, changed = ref, rest[:-1], True
    if previous is None and (copy_items or not carry):
        raise g.UsageError("err.next_needs_from", usage)
    if copy_items and template is not None:
        raise g.UsageError("err.items_or_template", usage)
    return NewLaunch(name, _date(rest, reader, usage), channel, template, previous, copy_items, carry)


def _date(words: list[str], reader: g.DateReader, usage: str) -> date:
    raw = " ".join(words)
    if not raw:
        raise g.UsageError("err.missing_date", usage, field="date")
    parsed = reader.read(raw)
    if parsed is None:
        raise g.UsageError("err.bad_date", usage, {"text": raw[:40]}, field="date")
    return parsed


def _item_ref(words: list[str], usage: str) -> ItemRef:
    if len(words) == 1 and words[0].startswith("#"):
        return ItemRef(number=g.task_number(words[0], usage))
    if len(words) == 2:
        return ItemRef(department=words[0], position=parse_number(words[1], usage))
    raise g.UsageError("err.item_ref_args", usage)


def _parse_go(name: str, tail: list[str], usage: str) -> LaunchCommand:
    if not tail:
        return DecideLaunch(name)
    words = tail[1:] if tail[0].lower() == "with" else tail
    if words and words[0].lower() in _RISK:
        risk = _words(words[1:])
        if not risk:
            raise g.UsageError("err.missing_risk", usage)
        if len(risk) > MAX_NOTE:
            raise g.UsageError("err.reason_too_long", usage, {"limit": MAX_NOTE})
        return DecideLaunch(name, risk)
    raise g.UsageError("err.extra_words", usage, {"words": " ".join(tail)[:60]})


def _parse_item_edit(name: str, rest: list[str], reader: g.DateReader) -> LaunchCommand:
    """``<dept> <n> | #<id>`` then ``due <date>``, ``at T-3`` or ``owner …``."""
    usage = ITEM_USAGE
    if rest[0].startswith("#"):
        ref, tail = ItemRef(number=g.task_number(rest[0], usage)), rest[1:]
    elif len(rest) >= 2 and rest[1].isdigit():
        ref, tail = ItemRef(department=rest[0], position=parse_number(rest[1], usage)), rest[2:]
    else:
        raise g.UsageError("err.unknown_subcommand", usage, {"word": rest[0][:40]})
    if len(tail) >= 2 and tail[0].lower() in _OWNER:
        return EditLaunchItem(name, ref, owner=parse_owner(tail[1:], usage))
    if len(tail) >= 2 and tail[0].lower() in g.DUE_WORDS:
        return EditLaunchItem(name, ref, due=_date(tail[1:], reader, usage))
    if tail and tail[0].lower() in _AT:
        tail = tail[1:]
    if len(tail) == 1 and (offset := parse_offset(tail[0], usage)) is not None:
        return EditLaunchItem(name, ref, offset=offset)
    raise g.UsageError("err.item_edit_args", usage)


# --------------------------------------------------------------------------- sign-off


def parse_signoff(_verb: str, args: list[str], _reader: g.DateReader) -> LaunchCommand:
    usage = "signoff"
    if len(args) < 3:
        raise g.UsageError("err.signoff_args", usage)
    launch, department, rest = parse_name(args[0], usage), args[1], args[2:]
    first = rest[0].lower()
    if first in _NOT and len(rest) >= 2 and rest[1].lower() in _READY:
        ready, note_words = False, rest[2:]
    elif first in _NOT_READY:
        ready, note_words = False, rest[1:]
    elif first in _READY:
        ready, note_words = True, rest[1:]
    else:
        raise g.UsageError("err.signoff_args", usage)
    note = _words(note_words) or None
    if not ready and note is None:
        raise g.UsageError("err.missing_not_ready_reason", usage)
    if note is not None and len(note) > MAX_NOTE:
        raise g.UsageError("err.reason_too_long", usage, {"limit": MAX_NOTE})
    return SignOffDepartment(launch, department, ready, note)


PARSERS = {"launch": parse_launch, "signoff": parse_signoff}

g.register_commands(VERBS, PARSERS, COMMAND_NAMES)
