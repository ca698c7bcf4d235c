"""English texts of calendar feeds: the command (``calendar``) and the feed's events."""

MESSAGES: dict[str, str] = {
    "calendar.link_title": "Your calendar feed: subscribe to this address in Google Calendar, Outlook or "
    "Apple Calendar",
    "calendar.link_note": "It holds launches, your dated tasks and items and your departments' "
    "milestones, and follows their changes. Anyone with the address sees it: /coord calendar reset "
    "turns off every address you were given.",
    "calendar.reset": "Turned off {n} calendar {n:s/address/addresses}: calendars subscribed to "
    "{n:s/it/them} stop updating. /coord calendar gives a new one.",
    "calendar.reset_none": "You had no calendar address to turn off.",
    "calendar.not_delivered": "Your calendar address could not be delivered at once, and coordbot keeps "
    "no copy of it: run /coord calendar again for a new one.",
    "err.calendar_no_url": "coordbot does not know its public address, so it cannot give a calendar link: "
    "an admin sets COORDBOT_PUBLIC_URL where coordbot serve runs.",
    "err.calendar_args": "Say /coord calendar for your feed's address, or /coord calendar reset.",
    "help.calendar": "Your personal calendar feed (iCalendar): launches, your tasks and items with a due "
    "date, and your departments' launch milestones, as all-day events your calendar app keeps up to "
    "date. `reset` turns off every address you were given.",
    "usage.calendar": "/coord calendar [reset]",
    "examples.calendar": "/coord calendar · /coord calendar reset",
    "feed.name": "coordbot · {who}",
    "feed.launch": "🚀 Launch {launch}",
    "feed.launch_cancelled": "Launch {launch} (cancelled)",
    "feed.launch_detail": "Launch {launch}, owner {owner}, {n} working {n:s/day/days} away. "
    "/coord plan {launch}",
    "feed.task": "#{number} {title} [{department}]",
    "feed.item": "{launch} · {department}: {title}{offset}",
    "feed.offset": " ({offset})",
    "feed.done": "✓ {summary}",
    "feed.work_detail": "#{number} · {owner} · {status}. /coord show #{number}",
}
