"""Texts the Feishu adapter shows on its own (everything else comes from the core)."""

MESSAGES: dict[str, str] = {
    "feishu.more": "… and {count} more",
    "feishu.text_only": "I only read text messages. Send `/coord help` to see what I can do.",
    "feishu.form_sent": "Fill in the form I sent you (only you can see it).",
    "feishu.bad_action": "This button is not valid any more.",
}
