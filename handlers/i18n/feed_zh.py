"""日历订阅（``calendar``）的中文文本：命令与订阅中的事件。"""

MESSAGES: dict[str, str] = {
    "calendar.link_title": "你的日历订阅：在 Google 日历、Outlook 或 Apple 日历中订阅这个地址",
    "calendar.link_note": "其中有各次发布、你有截止日期的任务和事项，以及你所在部门的发布里程碑，"
    "并随变化更新。任何拿到地址的人都能看到：/coord calendar reset 可停用你得到过的所有地址。",
    "calendar.reset": "已停用 {n} 个日历地址：订阅了它们的日历不再更新。/coord calendar 可获取新地址。",
    "calendar.reset_none": "你没有可停用的日历地址。",
    "calendar.not_delivered": "你的日历地址没能及时送达，coordbot 不保留它的副本："
    "请再运行 /coord calendar 获取新地址。",
    "err.calendar_no_url": "coordbot 不知道自己的公网地址，无法给出日历链接：请管理员在运行 coordbot serve 的"
    "地方设置 COORDBOT_PUBLIC_URL。",
    "err.calendar_args": "用 /coord calendar 获取订阅地址，或 /coord calendar reset 停用。",
    "help.calendar": "你的个人日历订阅（iCalendar）：各次发布、你有截止日期的任务和事项、你所在部门的"
    "发布里程碑，都是全天事件，日历应用会自动更新。`reset` 停用你得到过的所有地址。",
    "usage.calendar": "/coord calendar [reset]",
    "examples.calendar": "/coord calendar · /coord 日历 重置",
    "feed.name": "coordbot · {who}",
    "feed.launch": "🚀 发布 {launch}",
    "feed.launch_cancelled": "发布 {launch}（已取消）",
    "feed.launch_detail": "发布 {launch}，负责人 {owner}，还有 {n} 个工作日。/coord plan {launch}",
    "feed.task": "#{number} {title}【{department}】",
    "feed.item": "{launch} · {department}：{title}{offset}",
    "feed.offset": "（{offset}）",
    "feed.done": "✓ {summary}",
    "feed.work_detail": "#{number} · {owner} · {status}。/coord show #{number}",
}
