"""Access links: secrets in URLs and cookies that open a web page for one person of one workspace.

The board's one-time links and its sessions, and each person's calendar feed, are all access
links: a random token handed out once, of which only the SHA-256 is kept (a copy of the database
opens nothing), bound to one workspace and one person, for one purpose, revocable, and expiring
when given a lifetime. A token is looked up by its hash alone, so whatever workspace a caller
claims, a token answers only for the workspace it was issued in.

This module never logs a token, nor a hash of one.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from storage.models import AccessLink

TOKEN_BYTES = 32  # 256 bits of randomness: guessing is hopeless, so a plain SHA-256 is enough


class AccessPurpose(StrEnum):
    BOARD_LINK = "board_link"  # the one-time link `/coord board` answers with
    BOARD_SESSION = "board"  # the cookie redeeming that link sets
    CALENDAR = "calendar"  # a personal iCalendar feed


class Refusal(StrEnum):
    """Why a token opens nothing (pages may word each differently; none says whose it was)."""

    UNKNOWN = "unknown"  # never issued, or issued for another purpose
    EXPIRED = "expired"
    USED = "used"  # a single-use link redeemed before
    REVOKED = "revoked"


@dataclass(frozen=True, slots=True)
class Grant:
    """What a valid token opens: one person's view of one workspace."""

    link_id: int
    workspace_id: int
    person_id: int
    purpose: AccessPurpose
    expires_at: datetime | None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(
    session: Session,
    *,
    workspace_id: int,
    person_id: int,
    purpose: AccessPurpose,
    now: datetime,
    lifetime: timedelta | None = None,
    single_use: bool = False,
) -> str:
    """A new token for ``person_id`` in ``workspace_id``; the caller shows it once and forgets it."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(
        AccessLink(
            workspace_id=workspace_id,
            person_id=person_id,
            purpose=purpose.value,
            token_hash=hash_token(token),
            single_use=single_use,
            created_at=now,
            expires_at=None if lifetime is None else now + lifetime,
        )
    )
    session.flush()
    return token


def check_token(session: Session, token: str, *, purpose: AccessPurpose, now: datetime) -> Grant | Refusal:
    """What ``token`` opens now, without using it up (sessions, calendar feeds)."""
    link = _find(session, token, purpose)
    if link is None:
        return Refusal.UNKNOWN
    refusal = _refusal(link, now)
    return refusal or _grant(link)


def redeem_token(session: Session, token: str, *, purpose: AccessPurpose, now: datetime) -> Grant | Refusal:
    """Use a token; a single-use one opens once only, even when two requests race for it.

    The claim is one conditional UPDATE, so of two concurrent redemptions (on any replicas) exactly
    one sees its row change.
    """
    link = _find(session, token, purpose)
    if link is None:
        return Refusal.UNKNOWN
    refusal = _refusal(link, now)
    if refusal is not None:
        return refusal
    if link.single_use:
        claimed = session.execute(
            update(AccessLink)
            .where(AccessLink.id == link.id, AccessLink.used_at.is_(None), AccessLink.revoked_at.is_(None))
            .values(used_at=now)
            .returning(AccessLink.id)
        ).first()
        if claimed is None:
            return Refusal.USED
    return _grant(link)


def revoke_tokens(
    session: Session, *, workspace_id: int, person_id: int, purposes: Iterable[AccessPurpose], now: datetime
) -> int:
    """Revoke every live token of these purposes that this person holds; how many were live."""
    result = session.execute(
        update(AccessLink)
        .where(
            AccessLink.workspace_id == workspace_id,
            AccessLink.person_id == person_id,
            AccessLink.purpose.in_([purpose.value for purpose in purposes]),
            AccessLink.revoked_at.is_(None),
            or_(AccessLink.expires_at.is_(None), AccessLink.expires_at > now),
            or_(AccessLink.single_use.is_(False), AccessLink.used_at.is_(None)),
        )
        .values(revoked_at=now)
        .returning(AccessLink.id)
    )
    return len(result.all())


def purge_tokens(session: Session, *, now: datetime, keep: timedelta) -> int:
    """Delete tokens that expired, were used or were revoked more than ``keep`` ago."""
    cutoff = now - keep
    result = session.execute(
        delete(AccessLink)
        .where(
            or_(
                AccessLink.expires_at < cutoff,
                AccessLink.revoked_at < cutoff,
                AccessLink.used_at < cutoff,
            )
        )
        .returning(AccessLink.id)
    )
    return len(result.all())


def _find(session: Session, token: str, purpose: AccessPurpose) -> AccessLink | None:
    if not token or len(token) > 128:
        return None
    query = select(AccessLink).where(
        AccessLink.token_hash == hash_token(token), AccessLink.purpose == purpose.value
    )
    return session.scalars(query).one_or_none()


def _refusal(link: AccessLink, now: datetime) -> Refusal | None:
    if link.revoked_at is not None:
        return Refusal.REVOKED
    if link.single_use and link.used_at is not None:
        return Refusal.USED
    if link.expires_at is not None and link.expires_at <= now:
        return Refusal.EXPIRED
    return None


def _grant(link: AccessLink) -> Grant:
    return Grant(
        link_id=link.id,
        workspace_id=link.workspace_id,
        person_id=link.person_id,
        purpose=AccessPurpose(link.purpose),
        expires_at=link.expires_at,
    )
