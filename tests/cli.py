"""``coordbot ARGS`` run inside the test process: the same ``bot.cli.main`` a user's shell runs,
with a clean environment, its own working folder and standard input, and no interpreter start-up.

Tests of what only a real process shows (start-up, exit codes seen by a shell, the README's
transcript) keep running ``python -m bot.cli`` (tests.test_console.coordbot).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main


class InProcessCli:
    def __init__(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], folder: Path
    ) -> None:
        self.monkeypatch = monkeypatch
        self.capsys = capsys
        self.folder = folder

    def __call__(self, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
        with self.monkeypatch.context() as patch:
            for name in list(os.environ):
                if name.startswith(("SLACK_", "FEISHU_", "COORDBOT_")):
                    patch.delenv(name)
            for name, value in env.items():
                patch.setenv(name, value)
            patch.chdir(self.folder)
            patch.setattr(sys, "stdin", io.StringIO(stdin))
            self.capsys.readouterr()
            try:
                code = main(list(args))
            except SystemExit as exit:  # argparse: --help, bad arguments
                code = exit.code if isinstance(exit.code, int) else int(exit.code is not None)
            out, err = self.capsys.readouterr()
        return subprocess.CompletedProcess(["coordbot", *args], code, out, err)


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> InProcessCli:
    return InProcessCli(monkeypatch, capsys, tmp_path)
