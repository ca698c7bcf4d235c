"""The local console bot: talk to coordbot with no chat service at all (like Hubot's shell).

Lines starting with ``/coord`` run as the current user in the current channel; lines starting
with ``:`` drive the console itself (switch user or channel, move the simulated clock).
When stdin is not a terminal the lines run as a script, echoed, and the process exits 0.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterable
from datetime import datetime
from typing import Protocol, TextIO
from zoneinfo import ZoneInfo

from bot.app import Services
from bot.delivery import deliver_outbox
from bot.messenger import ConsoleMessenger
from handlers.clock import ManualClock
from handlers.context import Caller
from handlers.dates import parse_duration
from handlers.replies import Reply

log = logging.getLogger(__name__)
WORKSPACE = "console"

CONSOLE_HELP = """Console commands:
  /coord …            run a coordbot command as the current user (try /coord help)
  :user <name>        become another person (DMs and permissions follow)
  :channel <name>     move to another channel
  :advance <duration> move the clock forward (2h, 1d, 1w) and run the scheduler through it
  :now                show the console's clock
  :quit               leave"""


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
    ) -> None:
        self.services = services
        self.clock = clock
        self.out = out or sys.stdout
        self.user = user
        self.channel = channel
        self.scheduler = scheduler
        services.messengers.register(ConsoleMessenger(self.out))

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
        outcome = self.services.coordinator.handle_text(self.caller(), line)
        self.show(outcome.reply)
        deliver_outbox(
            outcome.outbox, self.services.messengers, db=self.services.db, now=self.services.clock.now
        )
        return True

    def _console_command(self, words: list[str]) -> bool:
        verb = words[0].lower() if words else "help"
        if verb in ("quit", "exit", "q"):
            return False
        if verb in ("user", "channel") and len(words) == 2 and words[1].strip("@#"):
            setattr(self, verb, words[1].strip("@#"))
            self.say(f"(you are now {self.user} in #{self.channel})")
        elif verb == "advance" and len(words) >= 2 and (delta := parse_duration(" ".join(words[1:]))):
            start = self.clock.now()
            end = start + delta
            if self.scheduler is not None:
                self.scheduler.run_through(start, end)
            self.clock.set(end)
            self.say(f"(clock: {self._local(end)})")
        elif verb == "now":
            self.say(f"(clock: {self._local(self.clock.now())})")
        else:
            self.say(CONSOLE_HELP)
        return True

    def _local(self, instant: datetime) -> str:
        zone = ZoneInfo(self.services.settings.timezone)
        return instant.astimezone(zone).strftime("%a %Y-%m-%d %H:%M %Z")

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
