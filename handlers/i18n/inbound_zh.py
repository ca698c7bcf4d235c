"""入站流程（:mod:`bot.inbound`）在各平台上自己说的话。"""

MESSAGES: dict[str, str] = {
    "inbound.error": "我这边出了点问题，请稍后再试。",
    "inbound.saved_for_later": "⏳ 暂时无法连接数据库。你的请求已保存，"
    "数据库恢复后会自动执行，无需重新发送。",
}
