"""``coordbot export``: a workspace's tasks and items as a CSV or JSON file, for operators.

The same file ``/coord export`` sends in chat (:mod:`handlers.export`), for one workspace named
by ``--workspace`` (as for ``coordbot template``), all of its launches or one (``--launch``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.settings import Settings
from bot.template_cli import WORKSPACE_HELP, find_workspace
from handlers import export
from storage import repo
from storage.db import Database

DESCRIPTION = (
    "Write a workspace's tasks and launch items, one record each with a summary of its history, "
    "as CSV (UTF-8 with a byte-order mark, for spreadsheets) or JSON (with the full history)."
)


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "export", help="write a workspace's tasks and items as CSV or JSON", description=DESCRIPTION
    )
    parser.add_argument("--workspace", help=WORKSPACE_HELP)
    parser.add_argument("--format", choices=export.FORMATS, default="csv", help="csv (the default) or json")
    parser.add_argument("--out", "-o", type=Path, help="write to this file instead of stdout")
    parser.add_argument("--launch", help="only this launch's tasks and items (default: all)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    database = Database(settings.database_url)
    try:
        database.upgrade()
        with database.transaction() as session:
            workspace = find_workspace(session, args.workspace)
            if workspace is None:
                return 2
            launch = None
            if args.launch:
                launch = repo.find_launch(session, workspace, args.launch)
                if launch is None:
                    names = ", ".join(x.name for x in repo.launches(session, workspace)) or "none yet"
                    print(f"coordbot: no launch {args.launch!r} here; launches: {names}", file=sys.stderr)
                    return 2
            rows = export.collect(session, workspace, launch)
            text = export.render(workspace, rows, launch, args.format)
    finally:
        database.dispose()
    if args.out is None:
        sys.stdout.write(text)
        return 0
    try:
        args.out.write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        print(f"coordbot: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"{len(rows)} record(s) written to {args.out}")
    return 0
