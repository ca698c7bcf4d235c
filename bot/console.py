"""The local console bot: talk to coordbot with no chat service at all (like Hubot's shell).

Lines starting with ``/coord`` run as the current user in the current channel; lines starting
with ``:`` drive the console itself (switch user or channel, move the simulated clock).
When stdin is not a terminal the lines run as a script, echoed, and the process exits 0.
Times shown (the clock, when scheduled posts went out) are the console workspace's local time.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import sys
import tempfile
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.app import Services
from bot.chart_png import save_png
from bot.delivery import deliver_outbox
from bot.messenger import Delivery
from handlers.clock import ManualClock
from handlers.context import Caller, SourceMessage
from handlers.i18n import t
from handlers.replies import Outbound, Reply
from handlers.timewords import MAX_DURATION, parse_duration
from storage.models import Notification, Workspace

log = logging.getLogger(__name__)
WORKSPACE = "console"
FILES_DIR = Path("coordbot-exports")  # where files that come with a reply (exports) are written
CHART_DIR = Path(tempfile.gettempdir()) / "coordbot-charts"  # where the console's charts are drawn

CONSOLE_HELP = """Console commands:
  /coord …            run a coordbot command as the current user (try /coord help)
  :user <name>        become another person (DMs and permissions follow)
  :channel <name>     move to another channel
  :advance <duration> move the clock forward (2h, 1d, 1w) and run the scheduler through it
  :down <duration>    coordbot is down that long: the clock moves and nothing runs (the next
                      :advance shows what it catches up: on time, late, or not at all)
  :now                show the console's clock
  :reply <msg> /coord …  run a command as a reply to message <msg> of this channel (a task it
                      adds reports its changes in that message's thread: [#channel thread <msg>])
  :help               this list
  :quit               leave"""


class _ConsoleSender:
    """The console's messenger: prints each message where it would go (``[#launch-v2-3] …``).

    While the clock is moved, scheduled messages are held, then printed with the local time they
    went out at (from the notification ledger).
    """

    platform = "console"

    def __init__(self, out: TextIO, chart_dir: Path) -> None:
        self.out = out
        self.chart_dir = chart_dir
        self.held: list[Outbound] | None = None

    def send(self, message: Outbound) -> Delivery:
        if self.held is not None and message.key:
            self.held.append(message)
        else:
            self.print(message)
        return Delivery()

    def print(self, message: Outbound, at: str | None = None) -> None:
        stamp = f"{at} " if at else ""
        self.out.write(f"{stamp}[{message.target.label}] {message.reply.plain_text()}\n")
        write_chart(message.reply, self.chart_dir, self.out, message.key)
        self.out.flush()


def write_chart(reply: Reply, directory: Path, out: TextIO, key: str | None = None) -> None:
    """A reply's chart as a PNG file in ``directory``, its path printed under the text."""
    if reply.chart is not None:
        path = save_png(reply.chart, directory, key)
        out.write(f"  [chart] {path}\n")


class Ticker(Protocol):
    def run_through(self, start: datetime, end: datetime) -> int: ...


class Console:
    def __init__(
        self,
        services: Services,
        clock: ManualClock,
        *,
        out: TextIO | None = None,
        user: str = "alice",
        channel: str = "general",
        scheduler: Ticker | None = None,
        files_dir: Path = FILES_DIR,
        chart_dir: Path = CHART_DIR,
    ) -> None:
        self.services = services
        self.files_dir = files_dir
        self.clock = clock
        self.out = out or sys.stdout
        self.user = user
        self.channel = channel
        self.scheduler = scheduler
        self.chart_dir = chart_dir
        self._sender = _ConsoleSender(self.out, chart_dir)
        services.messengers.register(self._sender)

    @property
    def prompt(self) -> str:
        return f"{self.user}@#{self.channel}> "

    def caller(self) -> Caller:
        return Caller(
            platform="console",
            workspace_id=WORKSPACE,
            user_id=self.user,
            user_name=self.user,
            channel_id=self.channel,
            channel_name=self.channel,
        )

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def show(self, reply: Reply) -> None:
        self.say(reply.plain_text())
        write_chart(reply, self.chart_dir, self.out)
        if reply.file is not None:
            self.say("  " + self._save(reply))

    def _save(self, reply: Reply) -> str:
        """Write the reply's file into :attr:`files_dir`; the line that says where (or why not)."""
        assert reply.file is not None
        path = self.files_dir / reply.file.name
        try:
            self.files_dir.mkdir(parents=True, exist_ok=True)
            path.write_bytes(reply.file.data)
        except OSError as exc:
            log.warning("could not write %s: %s", path, exc.strerror or exc)
            return f"{path}: {exc.strerror or exc}"
        return t(reply.language, "export.file_saved", path=path.resolve())

    def handle(self, line: str) -> bool:
        """Run one line; False when the console should stop."""
        line = line.strip()
        if not line or line.startswith("# "):
            return True
        if line.startswith(":"):
            return self._console_command(line[1:].split())
        if not line.lower().startswith(("/coord", "coord ")):
            self.say("Commands start with /coord (try /coord help); :help lists console commands.")
            return True
        self._run(self.caller(), line)
        return True

    def _run(self, caller: Caller, line: str) -> None:
        outcome = self.services.coordinator.handle_text(caller, line)
        self.show(outcome.reply)
        deliver_outbox(
            outcome.outbox, self.services.messengers, db=self.services.db, now=self.services.clock.now
        )

    def _console_command(self, words: list[str]) -> bool:
        verb = words[0].lower() if words else "help"
        if verb in ("quit", "exit", "q"):
            return False
        if verb in ("user", "channel"):
            if len(words) == 2 and words[1].strip("@#"):
                setattr(self, verb, words[1].strip("@#"))
                self.say(f"(you are now {self.user} in #{self.channel})")
            else:
                example = "bob" if verb == "user" else "launches"
                self.say(f"(:{verb} needs one name, like :{verb} {example})")
        elif verb == "advance":
            delta = parse_duration(" ".join(words[1:])) if len(words) >= 2 else None
            if delta is None:
                self.say(f"(:advance needs a duration up to {MAX_DURATION.days} days, like 2h, 1d or 1w)")
            else:
                self._advance(delta)
        elif verb == "down":
            delta = parse_duration(" ".join(words[1:])) if len(words) >= 2 else None
            if delta is None:
                self.say(f"(:down needs a duration up to {MAX_DURATION.days} days, like 30m, 3h or 1d)")
            else:
                self.clock.set(self.clock.now() + delta)
                self.say(f"(coordbot was down; clock: {self._local(self.clock.now())})")
        elif verb == "reply":
            line = " ".join(words[2:])
            if len(words) < 3 or not line.lower().startswith(("/coord", "coord ")):
                self.say("(:reply needs a message and a command, like :reply m1 /coord add dev Fix it)")
            else:
                source = SourceMessage(self.channel, words[1], words[1])
                self._run(dataclasses.replace(self.caller(), replying_to=source), line)
        elif verb == "now":
            self.say(f"(clock: {self._local(self.clock.now())})")
        elif verb in ("help", "?"):
            self.say(CONSOLE_HELP)
        else:
            self.say(f"(no console command :{words[0][:40]}; :help lists them)")
        return True

    def _advance(self, delta: timedelta) -> None:
        """Move the clock, running the scheduler through; its posts print with their local time."""
        start = self.clock.now()
        end = start + delta
        if self.scheduler is not None:
            self._sender.held = []
            try:
                self.scheduler.run_through(start, end)
            finally:
                held, self._sender.held = self._sender.held, None
            sent_at = self._sent_at([m.key for m in held if m.key])
            for message in held:
                at = sent_at.get(message.key or "")
                self._sender.print(message, self._local(at, short=True) if at else None)
        self.clock.set(end)
        self.say(f"(clock: {self._local(end)})")

    def _sent_at(self, keys: list[str]) -> dict[str, datetime]:
        if not keys:
            return {}
        query = select(Notification.key, Notification.sent_at).where(Notification.key.in_(keys))
        with self.services.db.transaction() as session:
            return {key: at for key, at in session.execute(query) if at is not None}

    def _zone(self) -> ZoneInfo:
        """The console workspace's timezone (``/coord settings timezone`` changes it)."""
        query = select(Workspace.timezone).where(
            Workspace.platform == "console", Workspace.external_id == WORKSPACE
        )
        with self.services.db.transaction() as session:
            name = session.scalar(query)
        return ZoneInfo(name or self.services.settings.timezone)

    def _local(self, instant: datetime, *, short: bool = False) -> str:
        local = instant.astimezone(self._zone())
        return local.strftime("%a %H:%M" if short else "%a %Y-%m-%d %H:%M %Z")

    def run_script(self, lines: Iterable[str]) -> None:
        for line in lines:
            stripped = line.rstrip("\n")
            if stripped.strip() and not stripped.startswith("# "):
                self.say(f"{self.prompt}{stripped}")
            if not self.handle(stripped):
                return

    def run_interactive(self) -> None:
        with contextlib.suppress(ImportError):  # not on every platform
            import readline  # noqa: F401  (line editing and history for input())
        self.say("coordbot console — type /coord help, or :help for console commands. Ctrl-D leaves.")
        while True:
            try:
                line = input(self.prompt)
            except (EOFError, KeyboardInterrupt):
                self.say("")
                return
            if not self.handle(line):
                return
