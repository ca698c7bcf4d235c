"""Texts the Feishu adapter shows on its own (everything else comes from the core)."""

MESSAGES: dict[str, str] = {
    "feishu.more": "… and {count} more",
    "feishu.text_only": "I only read text messages. Send `/coord help` to see what I can do.",
    "feishu.error": "Something went wrong on my side; please try again in a moment.",
    "feishu.bad_action": "This button is not valid any more.",
    "feishu.busy": "I am busy right now; please try again in a moment.",
}
