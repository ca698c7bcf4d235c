"""版本计划（``plan``）与在发布之间移动任务（``move``）的中文文本。"""

MESSAGES: dict[str, str] = {
    "plan.title": "版本计划 {launch}：{date} · {left} · {phase} · 已完成 {done}/{total}",
    "plan.working_days_left": "还剩 {n} 个工作日",
    "plan.department": "{department}（已完成 {done}/{total}）",
    "plan.from": "从 {launch} 延续",
    "plan.carried_title": "从 {launches} 延续过来（{n}）",
    "plan.cut_title": "已砍掉（{n}）",
    "plan.cut_moved": "移到了 {launch}",
    "plan.cut_unplanned": "移出了本版本",
    "plan.cut_removed": "从计划中移除",
    "plan.cut_deleted": "已删除",
    "plan.cut_cancelled": "已取消",
    "plan.cut_by": "{what}（{who}，{at}）",
    "plan.empty": "{launch} 还没有计划内容：用 /coord add <部门> <标题…> for {launch} 添加任务，"
    "或用 /coord move #<编号> to {launch} 移入。",
    "plan.moved": "已把 #{number} 从 {before} 移到 {after}",
    "plan.moved_in": "已把 #{number} 放入 {launch}",
    "plan.moved_out": "已把 #{number} 移出 {launch}",
    "history.launch_moved": "把它从发布 {before} 移到了 {after}",
    "history.launch_set": "把它放入了发布 {after}",
    "history.launch_cleared": "把它移出了发布 {before}",
    "help.plan": "一次发布的版本计划：按部门列出事项和任务（负责人、截止日期、状态），"
    "从其他发布延续过来的内容，以及被砍掉的内容（移到其他发布、移除或取消）。",
    "help.move": "把任务放入另一次发布（`none` 表示不属于任何发布）：原发布的计划把它列为已砍掉，"
    "新发布的列为延续。任务的负责人、创建人、部门负责人、发布负责人和管理员可以移动；发布自己的检查项留在原发布。",
    "usage.plan": "/coord plan <发布>",
    "usage.move": "/coord move #<编号> to <发布>|none",
    "examples.plan": "/coord plan v2.3 · /coord 计划 v2.3",
    "examples.move": "/coord move {task} to v2.4 · /coord 移到 {task} none",
    "err.plan_args": "请写明一个发布：/coord plan v2.3。",
    "err.move_args": "请写明 #{number} 移到哪里：发布名称，或 none。",
    "err.move_item": "#{number} 是发布 {launch} 检查清单中的事项，留在该发布：请在那里移除"
    "（/coord launch {launch} remove #{number}），再添加到另一次发布。",
    "err.move_to_cancelled": "发布 {launch} 已取消，不能再移入任务。",
    "err.move_same": "#{number} 已经在 {launch} 中。",
    "err.move_in_none": "#{number} 不属于任何发布。",
    "err.not_allowed.move": "只有任务的负责人、创建人、{department}的部门负责人、发布负责人或管理员"
    "可以移动 #{number}。",
}
