"""Whether coordbot is installed in a workspace: an uninstall stops its scheduled posts, keeps its data.

A workspace that uninstalls the app (Slack's ``app_uninstalled``, ``tokens_revoked``) is marked;
the scheduler plans nothing for it; any later request from it (a reinstall) clears the mark.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from storage.models import Workspace


def uninstalled(session: Session, platform: str, external_id: str, now: datetime) -> bool:
    """Mark the workspace uninstalled; False when coordbot never saw it."""
    statement = (
        update(Workspace)
        .where(Workspace.platform == platform, Workspace.external_id == external_id)
        .values(uninstalled_at=now)
    )
    return bool(session.execute(statement).rowcount)
