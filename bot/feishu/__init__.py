"""Feishu (Lark) adapter: events in (HTTP or long connection), cards out, through ``lark-oapi``.

``cards`` renders replies, ``text`` translates incoming messages, ``messenger`` sends,
``handlers`` runs events through the core, ``runtime`` wires it all for ``coordbot serve``.
"""
