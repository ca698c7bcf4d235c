"""The launch templates' command language: list, show, new (from), default, delete, and a
template's items: add, remove, move. Registered into :mod:`handlers.grammar` like
:mod:`handlers.launch_grammar`, whose item options (``at T-3``, ``owner …``) it shares.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers import grammar as g
from handlers import launch_grammar as lg


@dataclass(frozen=True)
class ListTemplates:
    pass


@dataclass(frozen=True)
class ShowTemplate:
    name: str


@dataclass(frozen=True)
class NewTemplate:
    name: str
    copy_of: str | None = None


@dataclass(frozen=True)
class SetDefaultTemplate:
    name: str


@dataclass(frozen=True)
class DeleteTemplate:
    name: str


@dataclass(frozen=True)
class AddTemplateItem:
    template: str
    department: str
    text: str
    offset: int | None = None
    owner: lg.OwnerSpec | None = None


@dataclass(frozen=True)
class RemoveTemplateItem:
    template: str
    department: str
    position: int


@dataclass(frozen=True)
class MoveTemplateItem:
    template: str
    department: str
    position: int
    to: int


TemplateCommand = (
    ListTemplates
    | ShowTemplate
    | NewTemplate
    | SetDefaultTemplate
    | DeleteTemplate
    | AddTemplateItem
    | RemoveTemplateItem
    | MoveTemplateItem
)

VERBS = {"template": "template", "templates": "template", "tpl": "template", "模板": "template"}
_SHOW = {"show", "info", "查看"}
_FROM = {"from", "从", "复制"}
_COPY = {"copy", "clone", "拷贝", "复制"}
_DEFAULT = {"default", "默认"}
_DELETE = {"delete", "remove", "删除"}
_MOVE = {"move", "reorder", "移动"}
_TO = {"to", "到"}
USAGE = "template"


def _template_name(token: str) -> str:
    return lg.parse_name(token, USAGE, "err.bad_template_name")


def parse_template(_verb: str, args: list[str], reader: g.DateReader) -> TemplateCommand:
    if not args or args[0].lower() in lg.LIST_WORDS:
        if len(args) > 1:
            raise g.UsageError("err.extra_words", USAGE, {"words": " ".join(args[1:])[:60]})
        return ListTemplates()
    sub = args[0].lower()
    if sub in lg.NEW_WORDS:
        if len(args) == 2:
            return NewTemplate(_template_name(args[1]))
        if len(args) == 4 and args[2].lower() in _FROM:
            return NewTemplate(_template_name(args[1]), _template_name(args[3]))
        raise g.UsageError("err.template_new_args", USAGE)
    if sub in _COPY:  # copy <from> [to|as] <new>: the same as new <new> from <from>
        names = [a for a in args[1:] if a.lower() not in _TO | {"as"}]
        if len(names) != 2 or len(args) > 4:
            raise g.UsageError("err.template_new_args", USAGE)
        return NewTemplate(_template_name(names[1]), _template_name(names[0]))
    named = {**dict.fromkeys(_SHOW, ShowTemplate), **dict.fromkeys(_DEFAULT, SetDefaultTemplate)}
    named.update(dict.fromkeys(_DELETE, DeleteTemplate))
    if sub in named:
        if len(args) != 2:
            raise g.UsageError("err.template_name_missing", USAGE)
        return named[sub](_template_name(args[1]))
    return _parse_template_edit(_template_name(args[0]), args[1:], reader)


def _parse_template_edit(name: str, args: list[str], reader: g.DateReader) -> TemplateCommand:
    """``add <dept> <text…> [at T-n] [owner …]`` | ``remove <dept> <n>`` | ``move <dept> <n> to <m>``."""
    if not args:
        return ShowTemplate(name)
    sub, rest = args[0].lower(), args[1:]
    if sub in lg.ADD_WORDS:
        if not rest:
            raise g.UsageError("err.missing_department", USAGE, field="department")
        words, options = lg.peel_options(rest[1:], reader, USAGE, dates=False)
        return AddTemplateItem(name, rest[0], lg.item_text(words, USAGE), options.offset, options.owner)
    if sub in lg.REMOVE_WORDS:
        if len(rest) != 2:
            raise g.UsageError("err.item_ref_args", USAGE)
        return RemoveTemplateItem(name, rest[0], lg.parse_number(rest[1], USAGE))
    if sub in _MOVE:
        if len(rest) == 4 and rest[2].lower() in _TO:
            rest = [rest[0], rest[1], rest[3]]
        if len(rest) != 3:
            raise g.UsageError("err.template_move_args", USAGE)
        return MoveTemplateItem(
            name, rest[0], lg.parse_number(rest[1], USAGE), lg.parse_number(rest[2], USAGE)
        )
    raise g.UsageError("err.unknown_subcommand", USAGE, {"word": args[0][:40]})


g.register_commands(VERBS, {"template": parse_template}, ("template",))
