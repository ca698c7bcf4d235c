"""调度器的中文文案：发布检查、发布回访、站会摘要、逾期提醒、升级、告警、演示。"""

MESSAGES: dict[str, str] = {
    # 发布就绪检查
    "sched.checkin.headline": "{launch} 发布就绪检查 · {label}{moved} · 还剩 {n} 个工作日",
    "sched.checkin.moved_from": "（由{day}提前）",
    "sched.late": "【补发】{headline}（coordbot 停机错过了{day}的发送时间）",
    "sched.checkin.launch_day": "发布日：{launch} 今天发布（{date}）",
    "sched.checkin.readiness": "就绪进度：检查清单已完成 {done}/{total}",
    "sched.checkin.dept_ready": "{done}/{total} ✓ 已就绪",
    "sched.checkin.dept_progress": "{done}/{total} · {tasks} 个未完成任务",
    "sched.checkin.open_items": "未完成的检查项（{n}）",
    "sched.checkin.tasks": "本次发布的未完成任务：{n} 个（逾期 {overdue}，阻塞 {blocked}）",
    "sched.checkin.behind": "进度落后：{who} —— 请更新检查清单和任务。",
    "sched.checkin.all_ready": "所有部门都已就绪。🎉",
    "sched.lead_of": "{who}（{department}）",
    "sched.no_lead": "{department}（未设置负责人）",
    # 发布后回访
    "sched.followup.headline": "{launch} 发布回访 · {label} · 已发布 {n} 天",
    "sched.followup.feedback": "请反馈意见和遗留问题",
    "sched.followup.ask": "{who}：{department} 这次发布情况如何？有什么反馈或遗留问题？",
    "sched.followup.open_tasks": "本次发布仍未完成（{n}）",
    "sched.followup.how": "请在此回复，或用 /coord add <部门> <标题> for {launch} 记录问题",
    # 站会摘要
    "sched.digest.headline": "{date} 站会摘要：今天到期 {today} · 逾期 {overdue} · "
    "阻塞 {blocked} · 已完成 {done}",
    "sched.digest.all_clear": "{date} 站会摘要：一切正常 —— 没有到期、逾期或阻塞的任务。",
    "sched.digest.section": "{department} — {counts}",
    "sched.digest.dept_counts": "今天到期 {today} · 逾期 {overdue} · 阻塞 {blocked} · 已完成 {done}",
    "sched.digest.tag_today": "[今天到期]",
    "sched.digest.tag_overdue": "[逾期]",
    "sched.digest.tag_blocked": "[阻塞]",
    "sched.digest.tag_done": "[已完成]",
    "sched.digest.since": "已完成统计自 {since}",
    # 逾期提醒
    "sched.nudge.headline": "你有 {n} 个逾期任务",
    "sched.nudge.headline_blocked": "有 {n} 个阻塞任务在等你处理",
    "sched.nudge.headline_both": "你有 {overdue} 个逾期任务，另有 {blocked} 个阻塞任务在等你处理",
    "sched.nudge.late": "已逾期 {n} 个工作日",
    "sched.nudge.blocked_for": "阻塞 —— {who} 需要你的帮助",
    "sched.nudge.more": "…… 还有 {n} 个：/coord list mine",
    "sched.nudge.how": "点按钮处理，或用 /coord due {task} <日期> 调整截止日期。",
    # 升级
    "sched.escalate.lead": "升级提醒：你的部门有 {n} 个任务逾期",
    "sched.escalate.creator": "升级提醒：你发起的 {n} 个任务逾期",
    "sched.escalate.detail": "负责人 {who} · 已逾期 {n} 个工作日",
    # 发送失败（通知管理员）
    "sched.alert.headline": "无法把{what}发送到 {where}",
    "sched.alert.error": "错误：{error}",
    "sched.alert.fix": "我不会再重试。请确认频道存在，并且我已加入该频道。",
    "sched.kind.checkin": "发布检查",
    "sched.kind.followup": "发布回访",
    "sched.kind.digest": "站会摘要",
    "sched.kind.nudge": "逾期提醒",
    "sched.kind.escalate": "升级提醒",
    "sched.kind.alert": "告警",
    "sched.kind.update": "任务动态",
    "sched.kind.reply": "命令回复",
    # coordbot 演示
    "sched.demo.title": "coordbot 演示 —— 用几秒钟走完 {launch} 的两周发布",
    "sched.demo.day": "── {date} ──",
    "sched.demo.says": "{who} 在 #{channel}：{text}",
    "sched.demo.done": "演示结束：调度器共发送 {n} 条消息。",
}
