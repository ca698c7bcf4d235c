"""Access links (board links and sessions, calendar feeds): hashed, bound to one workspace and
person, single-use where asked, expiring, revocable — on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from storage.access_links import (
    AccessPurpose,
    Grant,
    Refusal,
    check_token,
    hash_token,
    issue_token,
    purge_tokens,
    redeem_token,
    revoke_tokens,
)
from storage.db import Database
from storage.models import AccessLink
from storage.repo import get_or_create_person, get_or_create_workspace

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def holders(db: Database) -> tuple[tuple[int, int], tuple[int, int]]:
    """(workspace id, person id) of alice in T1 and of bob in T2."""
    found = []
    with db.transaction() as session:
        for team, user in (("T1", "alice"), ("T2", "bob")):
            workspace = get_or_create_workspace(
                session, "slack", team, now=NOW, timezone="UTC", language="en"
            )
            person = get_or_create_person(session, workspace, user, now=NOW)
            found.append((workspace.id, person.id))
    return found[0], found[1]


def issue(db: Database, holder: tuple[int, int], purpose: AccessPurpose, **options) -> str:  # type: ignore[no-untyped-def]
    with db.transaction() as session:
        return issue_token(
            session, workspace_id=holder[0], person_id=holder[1], purpose=purpose, now=NOW, **options
        )


def redeem(db: Database, token: str, purpose: AccessPurpose, at: datetime = NOW) -> Grant | Refusal:
    with db.transaction() as session:
        return redeem_token(session, token, purpose=purpose, now=at)


def test_only_the_hash_is_stored_and_the_grant_names_its_holder(db: Database) -> None:
    alice, _bob = holders(db)
    token = issue(db, alice, AccessPurpose.CALENDAR)
    with db.transaction() as session:
        stored = session.scalars(select(AccessLink.token_hash)).all()
    assert stored == [hash_token(token)] and token not in stored
    grant = redeem(db, token, AccessPurpose.CALENDAR)
    assert isinstance(grant, Grant)
    assert (grant.workspace_id, grant.person_id, grant.purpose) == (*alice, AccessPurpose.CALENDAR)
    assert grant.expires_at is None
    assert redeem(db, token, AccessPurpose.CALENDAR) == grant  # not single-use: opens again


def test_a_token_opens_only_its_purpose_and_a_guess_opens_nothing(db: Database) -> None:
    alice, _bob = holders(db)
    token = issue(db, alice, AccessPurpose.CALENDAR)
    assert redeem(db, token, AccessPurpose.BOARD_SESSION) is Refusal.UNKNOWN
    assert (
        redeem(db, token[:-1] + ("A" if token[-1] != "A" else "B"), AccessPurpose.CALENDAR) is Refusal.UNKNOWN
    )
    assert redeem(db, "", AccessPurpose.CALENDAR) is Refusal.UNKNOWN
    assert redeem(db, "x" * 10_000, AccessPurpose.CALENDAR) is Refusal.UNKNOWN


def test_a_single_use_link_opens_once_and_expires(db: Database) -> None:
    alice, _bob = holders(db)
    token = issue(db, alice, AccessPurpose.BOARD_LINK, lifetime=timedelta(minutes=10), single_use=True)
    with db.transaction() as session:  # checking does not use it up
        assert isinstance(check_token(session, token, purpose=AccessPurpose.BOARD_LINK, now=NOW), Grant)
    assert isinstance(redeem(db, token, AccessPurpose.BOARD_LINK), Grant)
    assert redeem(db, token, AccessPurpose.BOARD_LINK) is Refusal.USED
    late = issue(db, alice, AccessPurpose.BOARD_LINK, lifetime=timedelta(minutes=10), single_use=True)
    assert redeem(db, late, AccessPurpose.BOARD_LINK, NOW + timedelta(minutes=10)) is Refusal.EXPIRED
    assert isinstance(redeem(db, late, AccessPurpose.BOARD_LINK, NOW + timedelta(minutes=9)), Grant)


def test_two_concurrent_redemptions_of_one_link_open_it_once(db: Database) -> None:
    alice, _bob = holders(db)
    token = issue(db, alice, AccessPurpose.BOARD_LINK, lifetime=timedelta(minutes=10), single_use=True)
    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(lambda _: redeem(db, token, AccessPurpose.BOARD_LINK), range(4)))
    assert sum(isinstance(outcome, Grant) for outcome in outcomes) == 1
    assert sorted(o for o in outcomes if not isinstance(o, Grant)) == [Refusal.USED] * 3


def test_revoking_ends_only_that_persons_tokens_of_those_purposes(db: Database) -> None:
    alice, bob = holders(db)
    sessions = [issue(db, alice, AccessPurpose.BOARD_SESSION, lifetime=timedelta(hours=12)) for _ in range(2)]
    feed = issue(db, alice, AccessPurpose.CALENDAR)
    bobs = issue(db, bob, AccessPurpose.BOARD_SESSION, lifetime=timedelta(hours=12))
    with db.transaction() as session:
        revoked = revoke_tokens(
            session,
            workspace_id=alice[0],
            person_id=alice[1],
            purposes=[AccessPurpose.BOARD_SESSION],
            now=NOW,
        )
    assert revoked == 2
    assert [redeem(db, token, AccessPurpose.BOARD_SESSION) for token in sessions] == [Refusal.REVOKED] * 2
    assert isinstance(redeem(db, feed, AccessPurpose.CALENDAR), Grant)
    assert isinstance(redeem(db, bobs, AccessPurpose.BOARD_SESSION), Grant)
    with db.transaction() as session:  # nothing live is left to revoke
        assert (
            revoke_tokens(
                session,
                workspace_id=alice[0],
                person_id=alice[1],
                purposes=[AccessPurpose.BOARD_SESSION],
                now=NOW,
            )
            == 0
        )


def test_purging_deletes_only_tokens_dead_for_longer_than_kept(db: Database) -> None:
    alice, _bob = holders(db)
    live = issue(db, alice, AccessPurpose.CALENDAR)
    expired = issue(db, alice, AccessPurpose.BOARD_LINK, lifetime=timedelta(minutes=10), single_use=True)
    used = issue(db, alice, AccessPurpose.BOARD_LINK, lifetime=timedelta(minutes=10), single_use=True)
    redeem(db, used, AccessPurpose.BOARD_LINK)
    with db.transaction() as session:
        assert purge_tokens(session, now=NOW + timedelta(hours=1), keep=timedelta(days=1)) == 0
        assert purge_tokens(session, now=NOW + timedelta(days=2), keep=timedelta(days=1)) == 2
    assert isinstance(redeem(db, live, AccessPurpose.CALENDAR), Grant)
    assert redeem(db, expired, AccessPurpose.BOARD_LINK) is Refusal.UNKNOWN
