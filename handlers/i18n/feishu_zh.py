"""飞书适配器自己显示的文字（其余文字都来自核心）。"""

MESSAGES: dict[str, str] = {
    "feishu.more": "…… 还有 {count} 项",
    "feishu.text_only": "我只能读文字消息。发送 `/coord help` 查看我能做什么。",
    "feishu.form_sent": "请填写我发给你的表单（仅你可见）。",
    "feishu.bad_action": "这个按钮已经失效了。",
}
