"""The core on a real database, driven as people of one workspace (see tests/launch/conftest.py)."""

from tests.launch.conftest import clock, messenger, scheduler, team  # noqa: F401  (fixtures)
