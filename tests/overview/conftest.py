"""The PM's overview runs on the launch tests' team, clock and scheduler."""

from tests.launch.conftest import clock, messenger, scheduler, team

__all__ = ["clock", "messenger", "scheduler", "team"]
