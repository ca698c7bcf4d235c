"""How many SQL statements one command costs, end to end through the database (issue 12).

Statement counts are deterministic where timings are not: a change that adds a query to the hot
path (a lookup per request, a lazy load in a renderer) fails here, on SQLite and PostgreSQL,
instead of showing up as noise in ``bench/ack_latency``. One command's database work is what the
inbound pipeline does for a slash command: accept it into the inbox, run it in the core with its
once guard and recorded answer, then mark the answer sent. ``BEGIN``/``COMMIT`` are not counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from bot.delivery import record_answer_attempt
from handlers.context import Caller
from handlers.core import Coordinator
from handlers.outbox import AnswerRoute
from handlers.replies import Target
from storage import inbox

# Statements per command once the workspace and the asker exist (the steady state). Every command:
# accept, settle (the once guard), the workspace with the asker (one query), the answer recorded,
# the answer marked sent. The company days of the working calendar are read only with a date.
BUDGET = {
    "add dev Fix the payload size limit": 5 + 4,  # department, next number, task, its event
    "add dev Review the copy <@U2|bo>": 5 + 6,  # … and the assignee, the DM to them recorded
    "add dev Ship it due in 3 working days": 5 + 5,  # … and the company days (a date is read)
    "list mine": 5 + 1,  # the tasks
    "show 1": 5 + 3,  # the task, its history, departments
}


@contextmanager
def counted(db) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    statements: list[str] = []

    def count(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        if statement.split(None, 1)[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def run_command(db, clock, core: Coordinator, text: str, n: int) -> None:  # type: ignore[no-untyped-def]
    caller = Caller("slack", "T1", "U1", user_name="Ana", channel_id="C1")
    key = f"trigger:{n}"
    with db.transaction() as session:
        assert inbox.accept(session, "slack", key, "{}", clock.now())
    route = AnswerRoute(f"reply:{key}", Target.channel("C1"), Target.user("U1"), handle="https://x.invalid/r")
    outcome = core.handle_text(
        caller,
        text,
        once=lambda session: inbox.settle(session, "slack", key, clock.now()),
        answer=route,
    )
    assert not outcome.retry_later and outcome.answer_id is not None, outcome.reply.text
    record_answer_attempt(db, outcome.answer_id, clock.now(), None)


@pytest.mark.parametrize("text", list(BUDGET))
def test_one_command_stays_within_its_statement_budget(db, clock, text: str) -> None:
    core = Coordinator(db, clock)
    warm_ups = ["add dev First task", "list mine", "add dev Draft <@U2|bo>"]  # workspace, people, #1
    for n, warm_up in enumerate(warm_ups):
        run_command(db, clock, core, warm_up, n)
    with counted(db) as statements:
        run_command(db, clock, core, text, 100)
    assert len(statements) <= BUDGET[text], "\n".join(statements)
