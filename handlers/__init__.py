"""Platform-neutral core: command grammar, domain operations and the reply model.

Nothing in this package imports a chat platform SDK; adapters in ``bot/`` translate
platform payloads into calls on :class:`handlers.core.Coordinator` and render its replies.
"""
