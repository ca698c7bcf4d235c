"""``coordbot template export|import``: a workspace's launch templates as YAML files.

``export NAME`` writes the template to stdout (or ``--output FILE``); ``import FILE`` validates
the whole file first — one line per problem, with its line number, and nothing applied — then
creates the template (``--replace`` overwrites one of the same name). Which workspace: the only
one in the database, or ``--workspace`` (its id as Slack or Feishu gives it, e.g. ``T0123ABC``;
``console`` for the console's; ``platform:id`` when two platforms share an id).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.settings import Settings
from handlers.clock import SystemClock
from storage.db import Database
from storage.models import Workspace

DESCRIPTION = (
    "Export a workspace's launch template as a YAML file, or import one. An import is checked whole "
    "first: one line per problem, with its line number, and then nothing is changed."
)


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    template = commands.add_parser(
        "template", help="export or import a launch template as a YAML file", description=DESCRIPTION
    )
    actions = template.add_subparsers(dest="template_action", required=True, help="export or import")
    export = actions.add_parser(
        "export", help="write a template as YAML", description="Write a template as YAML."
    )
    export.add_argument("name", help="the template's name, e.g. standard")
    export.add_argument("--output", "-o", type=Path, help="write to this file instead of stdout")
    export.add_argument("--workspace", help=WORKSPACE_HELP)
    imported = actions.add_parser(
        "import", help="create a template from a YAML file", description="Create a template from a YAML file."
    )
    imported.add_argument("file", type=Path, help="the YAML file ('-' for stdin)")
    imported.add_argument("--replace", action="store_true", help="overwrite a template of the same name")
    imported.add_argument("--workspace", help=WORKSPACE_HELP)


WORKSPACE_HELP = "the workspace (its Slack team id, Feishu tenant key, or console), when there are several"


def run(args: argparse.Namespace, settings: Settings) -> int:
    from handlers import template_file  # YAML and the template checks: not at every start-up

    database = Database(settings.database_url)
    try:
        database.upgrade()
        with database.transaction() as session:
            workspace = find_workspace(session, args.workspace)
            if workspace is None:
                return 2
            if args.template_action == "export":
                return _export(session, workspace, args)
            return _import(session, workspace, args)
    except template_file.TemplateFileError as error:
        source = getattr(args, "file", None) or "template"
        for line, message in error.problems:
            print(f"{source}:{line}: {message}" if line else f"coordbot: {message}", file=sys.stderr)
        print(f"coordbot: nothing was changed ({len(error.problems)} problem(s))", file=sys.stderr)
        return 1
    finally:
        database.dispose()


def _export(session: Session, workspace: Workspace, args: argparse.Namespace) -> int:
    from handlers import template_file

    text = template_file.export_template(session, workspace, args.name)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        print(f"template {args.name} written to {args.output}")
    else:
        sys.stdout.write(text)
    return 0


def _import(session: Session, workspace: Workspace, args: argparse.Namespace) -> int:
    from handlers import template_file

    try:
        text = sys.stdin.read() if str(args.file) == "-" else args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"coordbot: cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    template = template_file.import_template(
        session, workspace, text, SystemClock().now(), replace=args.replace
    )
    items = len(template.items)
    default = " (the default)" if template.is_default else ""
    print(f"template {template.name} imported: {items} item(s){default}")
    return 0


def find_workspace(session: Session, wanted: str | None) -> Workspace | None:
    """The workspace ``wanted`` names (the only one when None), or None after saying why on stderr."""
    workspaces = list(session.scalars(select(Workspace).order_by(Workspace.id)))
    if wanted:
        platform, _, external = wanted.rpartition(":")
        found = [
            w for w in workspaces if w.external_id == external and (not platform or w.platform == platform)
        ]
    else:
        found = workspaces
    if len(found) == 1:
        return found[0]
    known = ", ".join(f"{w.platform}:{w.external_id}" for w in workspaces) or "none yet (use coordbot once)"
    reason = "no workspace matches" if wanted else "choose one with --workspace"
    print(f"coordbot: {reason}; workspaces: {known}", file=sys.stderr)
    return None
