"""Texts the inbound pipeline (:mod:`bot.inbound`) says on its own, on every platform."""

MESSAGES: dict[str, str] = {
    "inbound.error": "Something went wrong on my side; please try again in a moment.",
    "inbound.saved_for_later": "⏳ I can't reach the database right now. Your request is saved and will run "
    "as soon as it is back; there is no need to send it again.",
}
