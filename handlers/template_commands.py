"""Launch templates in chat: anyone lists and shows them; admins add, copy, edit and pick the default."""

from __future__ import annotations

from handlers import execution as ex
from handlers import launch_grammar as lg
from handlers import template_grammar as tg
from handlers.execution import CommandError, Ctx
from handlers.launch_items import template_or_default, template_text
from handlers.launch_views import template_item_line
from handlers.permissions import require_admin
from handlers.replies import Reply, Section, Tone
from handlers.views import department_name
from storage import launch_plans
from storage.launch_plans import ItemSpec
from storage.models import LaunchTemplate, OwnerRole, TemplateItem

USAGE = "template"


def list_templates(ctx: Ctx, _cmd: tg.ListTemplates) -> Reply:
    lines = []
    for template in launch_plans.templates(ctx.session, ctx.workspace):
        items = launch_plans.template_items(ctx.session, template)
        counts: dict[str, int] = {}
        for item in items:
            shown = department_name(item.department, ctx.tr)
            counts[shown] = counts.get(shown, 0) + 1
        per = " · ".join(f"{key} {n}" for key, n in counts.items()) or ctx.tr("template.empty")
        key = "template.line_default" if template.is_default else "template.line"
        lines.append(ctx.tr(key, name=template.name, n=len(items), departments=per))
    return Reply(ctx.tr("template.list_title", n=len(lines)), (Section(items=tuple(lines)),))


def show(ctx: Ctx, cmd: tg.ShowTemplate) -> Reply:
    template = template_or_default(ctx, cmd.name, USAGE)
    return template_reply(ctx, template, ctx.tr("template.title", name=template.name))


def template_reply(ctx: Ctx, template: LaunchTemplate, headline: str, *, tone: Tone = Tone.INFO) -> Reply:
    items = launch_plans.template_items(ctx.session, template)
    numbers: dict[int, int] = {}
    lines = []
    for item in items:
        numbers[item.department_id] = numbers.get(item.department_id, 0) + 1
        lines.append(template_item_line(item, numbers[item.department_id], ctx.tr))
    default = ctx.tr("template.is_default") if template.is_default else ""
    body = Section(
        title=ctx.tr("template.heading", name=template.name, n=len(items), default=default),
        items=tuple(lines) or (ctx.tr("template.empty"),),
        context=ctx.tr("template.how", name=template.name),
    )
    return Reply(headline, (body,), tone=tone)


def _editable(ctx: Ctx, name: str) -> LaunchTemplate:
    require_admin(ctx)
    return template_or_default(ctx, name, USAGE)


def new(ctx: Ctx, cmd: tg.NewTemplate) -> Reply:
    require_admin(ctx)
    source = template_or_default(ctx, cmd.copy_of, USAGE) if cmd.copy_of else None
    if launch_plans.find_template(ctx.session, ctx.workspace, cmd.name) is not None:
        raise CommandError("err.template_exists", USAGE, {"name": cmd.name})
    template = launch_plans.create_template(ctx.session, ctx.workspace, cmd.name, ctx.now, copy_of=source)
    if source is not None:
        headline = ctx.tr("template.copied", name=template.name, source=source.name)
    else:
        headline = ctx.tr("template.created", name=template.name)
    return template_reply(ctx, template, headline, tone=Tone.SUCCESS)


def set_default(ctx: Ctx, cmd: tg.SetDefaultTemplate) -> Reply:
    template = _editable(ctx, cmd.name)
    launch_plans.set_default(ctx.session, ctx.workspace, template)
    return Reply(ctx.tr("template.default_set", name=template.name), tone=Tone.SUCCESS)


def delete(ctx: Ctx, cmd: tg.DeleteTemplate) -> Reply:
    template = _editable(ctx, cmd.name)
    if template.name_key == launch_plans.STANDARD:
        raise CommandError("err.template_builtin", USAGE, {"name": template.name})
    if template.is_default:
        raise CommandError("err.template_is_default", USAGE, {"name": template.name})
    ctx.session.delete(template)
    return Reply(ctx.tr("template.deleted", name=template.name), tone=Tone.SUCCESS)


def add_item(ctx: Ctx, cmd: tg.AddTemplateItem) -> Reply:
    template = _editable(ctx, cmd.template)
    department = ex.department(ctx, cmd.department, USAGE)
    items = launch_plans.template_items(ctx.session, template)
    if any(template_text(i, ctx.tr).casefold() == cmd.text.casefold() for i in _of(items, department.id)):
        raise CommandError(
            "err.duplicate_item", USAGE, {"text": cmd.text, "department": department_name(department, ctx.tr)}
        )
    owner = cmd.owner or lg.OwnerSpec(OwnerRole.LEAD)
    person = ex.person(ctx, owner.person) if owner.person is not None else None
    spec = ItemSpec(department, cmd.text, cmd.offset, owner.role, person)
    launch_plans.add_template_item(ctx.session, template, spec)
    return template_reply(ctx, template, ctx.tr("template.item_added", name=template.name), tone=Tone.SUCCESS)


def _of(items: list[TemplateItem], department_id: int) -> list[TemplateItem]:
    return [i for i in items if i.department_id == department_id]


def _nth(
    ctx: Ctx, template: LaunchTemplate, department_word: str, position: int
) -> tuple[list[TemplateItem], int]:
    department = ex.department(ctx, department_word, USAGE)
    items = _of(launch_plans.template_items(ctx.session, template), department.id)
    if not 1 <= position <= len(items):
        raise CommandError(
            "err.no_template_item",
            USAGE,
            {
                "name": template.name,
                "department": department_name(department, ctx.tr),
                "item": position,
                "count": len(items),
            },
        )
    return items, position - 1


def remove_item(ctx: Ctx, cmd: tg.RemoveTemplateItem) -> Reply:
    template = _editable(ctx, cmd.template)
    items, index = _nth(ctx, template, cmd.department, cmd.position)
    removed = items.pop(index)
    ctx.session.delete(removed)
    launch_plans.renumber(ctx.session, items)
    headline = ctx.tr("template.item_removed", name=template.name, text=template_text(removed, ctx.tr))
    return template_reply(ctx, template, headline, tone=Tone.SUCCESS)


def move_item(ctx: Ctx, cmd: tg.MoveTemplateItem) -> Reply:
    template = _editable(ctx, cmd.template)
    items, index = _nth(ctx, template, cmd.department, cmd.position)
    if not 1 <= cmd.to <= len(items):
        raise CommandError(
            "err.no_template_item",
            USAGE,
            {"name": template.name, "department": cmd.department, "item": cmd.to, "count": len(items)},
        )
    item = items.pop(index)
    items.insert(cmd.to - 1, item)
    launch_plans.renumber(ctx.session, items)
    headline = ctx.tr("template.item_moved", name=template.name, text=template_text(item, ctx.tr), to=cmd.to)
    return template_reply(ctx, template, headline, tone=Tone.SUCCESS)
