"""``/coord export [<launch>|all] [csv|json]``: the file of tasks and items, for the asker alone.

Anyone in the workspace may export what they may list. The file rides on the reply
(:class:`~handlers.replies.FileAttachment`): Slack and Feishu upload it to the asker's direct
chat, the console writes it and prints its path.
"""

from __future__ import annotations

from handlers import execution as ex
from handlers import export
from handlers.execution import CommandError, Ctx
from handlers.export_grammar import Export
from handlers.replies import FileAttachment, Reply, Tone


def run(ctx: Ctx, cmd: Export) -> Reply:
    launch = ex.launch(ctx, cmd.launch, "export") if cmd.launch is not None else None
    rows = export.collect(ctx.session, ctx.workspace, launch)
    if not rows:
        if launch is not None:
            raise CommandError("err.export_empty_launch", None, {"launch": launch.name})
        raise CommandError("err.export_empty", None)
    tasks = sum(1 for task, _events in rows if not task.is_item)
    name = export.file_name(launch, cmd.format, ctx.today)
    content = export.render(ctx.workspace, rows, launch, cmd.format)
    scope = launch.name if launch is not None else ctx.tr("export.everything")
    headline = ctx.tr(
        "export.ready",
        scope=scope,
        tasks=tasks,
        items=len(rows) - tasks,
        format=cmd.format.upper(),
        name=name,
    )
    return Reply(headline, tone=Tone.SUCCESS, file=FileAttachment(name, content, export.MIME[cmd.format]))


HANDLERS = {Export: run}
