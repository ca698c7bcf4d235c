"""``/coord calendar [reset]``: the address of the caller's own iCalendar feed, or all of them off.

The address carries a random token bound to this workspace and person, of which only a hash is
stored (:mod:`storage.access_links`). The answer shows it once, for the asker alone; the copy of
the answer the ledger keeps (in case it must be sent again) says to ask again instead, so the
token is never written anywhere in the clear. Each ``calendar`` gives a new address and leaves
earlier ones working; ``reset`` turns them all off.
"""

from __future__ import annotations

from handlers.execution import CommandError, Ctx
from handlers.export_grammar import CalendarFeed
from handlers.replies import Reply, Section, Tone
from storage.access_links import AccessPurpose, issue_token, revoke_tokens

FEED_PATH = "/calendar/{token}.ics"  # served by bot.feed_web


def run(ctx: Ctx, cmd: CalendarFeed) -> Reply:
    if cmd.reset:
        ended = revoke_tokens(
            ctx.session,
            workspace_id=ctx.workspace.id,
            person_id=ctx.me.id,
            purposes=(AccessPurpose.CALENDAR,),
            now=ctx.now,
        )
        if not ended:
            return Reply(ctx.tr("calendar.reset_none"))
        return Reply(ctx.tr("calendar.reset", n=ended), tone=Tone.SUCCESS)
    if ctx.web.url("/") is None:
        raise CommandError("err.calendar_no_url", None)
    token = issue_token(
        ctx.session,
        workspace_id=ctx.workspace.id,
        person_id=ctx.me.id,
        purpose=AccessPurpose.CALENDAR,
        now=ctx.now,
    )
    url = ctx.web.url(FEED_PATH.format(token=token))
    kept = Reply(ctx.tr("calendar.not_delivered"), tone=Tone.WARNING)
    section = Section(text=url, context=ctx.tr("calendar.link_note"))
    return Reply(ctx.tr("calendar.link_title"), (section,), tone=Tone.SUCCESS, stored_as=kept)


HANDLERS = {CalendarFeed: run}
