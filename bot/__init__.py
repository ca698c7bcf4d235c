"""Adapters and process wiring: settings, CLI, console, Slack, Feishu, server and scheduler."""
