"""Where people's browsers reach ``coordbot serve``, and what it serves them (the board, feeds).

The core needs this to hand out links; the web routes need the lifetimes it promises.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

BOARD_LINK_MINUTES = 10  # a `/coord board` link opens once, within this (COORDBOT_BOARD_LINK_MINUTES)
MAX_BOARD_LINK_MINUTES = 60  # a link is a secret in chat history: it stays short-lived
BOARD_SESSION_LIFETIME = timedelta(hours=12)  # the cookie redeeming it sets


@dataclass(frozen=True)
class WebAccess:
    """``public_url``: the address of ``coordbot serve`` as browsers see it (COORDBOT_PUBLIC_URL);
    without one no link can be given. ``board``: whether the board is served (COORDBOT_BOARD).
    ``link_minutes``: how long a ``/coord board`` link opens (COORDBOT_BOARD_LINK_MINUTES)."""

    public_url: str | None = None
    board: bool = True
    link_minutes: int = BOARD_LINK_MINUTES

    @property
    def link_lifetime(self) -> timedelta:
        return timedelta(minutes=self.link_minutes)

    def url(self, path: str) -> str | None:
        """The absolute URL of ``path`` ("/board/…"), or None when no public URL is set."""
        if not self.public_url:
            return None
        return self.public_url.rstrip("/") + path
