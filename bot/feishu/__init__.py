"""Feishu (Lark) adapter: events in (HTTP or long connection), cards out, through ``lark-oapi``.

``cards`` renders replies, ``text`` translates incoming messages, ``messenger`` sends,
``listeners`` map events into the inbound pipeline (:mod:`bot.inbound`), ``runtime`` wires it
all for ``coordbot serve``;
``sdk`` imports only the parts of the SDK these use (see :func:`bot.feishu.sdk.load_lark_lightly`).
"""

from bot.feishu.sdk import load_lark_lightly

load_lark_lightly()  # first: every bot.feishu module then imports lark_oapi submodules, not the SDK
