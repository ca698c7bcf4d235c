"""A checker for Slack's Block Kit limits, used by the rendering and end-to-end tests."""

from __future__ import annotations

from typing import Any

LIMITS = {
    "message_blocks": 50,
    "view_blocks": 100,
    "text": 3000,
    "field": 2000,
    "fields": 10,
    "elements": 25,
    "button_text": 75,
    "button_value": 2000,
    "id": 255,
    "context_elements": 10,
}


def check_blocks(blocks: list[dict[str, Any]], *, max_blocks: int = LIMITS["message_blocks"]) -> None:
    """Raise AssertionError naming the first Slack limit ``blocks`` break."""
    assert isinstance(blocks, list)
    assert len(blocks) <= max_blocks, f"{len(blocks)} blocks > {max_blocks}"
    block_ids: set[str] = set()
    action_ids: set[str] = set()
    for block in blocks:
        kind = block["type"]
        block_id = block.get("block_id")
        if block_id is not None:
            assert len(block_id) <= LIMITS["id"]
            assert block_id not in block_ids, f"duplicate block_id {block_id}"
            block_ids.add(block_id)
        if kind == "section":
            assert "text" in block or "fields" in block, "section without text or fields"
            if "text" in block:
                assert 0 < len(block["text"]["text"]) <= LIMITS["text"], len(block["text"]["text"])
            fields = block.get("fields", [])
            assert len(fields) <= LIMITS["fields"]
            for f in fields:
                assert 0 < len(f["text"]) <= LIMITS["field"]
        elif kind == "context":
            assert 0 < len(block["elements"]) <= LIMITS["context_elements"]
            for element in block["elements"]:
                assert 0 < len(element["text"]) <= LIMITS["text"]
        elif kind == "actions":
            assert 0 < len(block["elements"]) <= LIMITS["elements"]
            for element in block["elements"]:
                if element["type"] == "button":
                    assert 0 < len(element["text"]["text"]) <= LIMITS["button_text"]
                    assert len(element.get("value", "")) <= LIMITS["button_value"]
                action_id = element["action_id"]
                assert len(action_id) <= LIMITS["id"]
                assert action_id not in action_ids, f"duplicate action_id {action_id}"
                action_ids.add(action_id)
        elif kind == "input":
            assert len(block["label"]["text"]) <= 2000
        elif kind in ("divider", "header"):
            pass
        else:  # pragma: no cover - the renderer uses no other kinds
            raise AssertionError(f"unexpected block type {kind}")


def check_view(view: dict[str, Any]) -> None:
    check_blocks(view["blocks"], max_blocks=LIMITS["view_blocks"])
    if view["type"] == "modal":
        assert len(view["title"]["text"]) <= 24
        for key in ("submit", "close"):
            if key in view:
                assert len(view[key]["text"]) <= 24
        assert len(view.get("private_metadata", "")) <= 3000


def all_text(blocks: list[dict[str, Any]]) -> str:
    parts: list[str] = []
    for block in blocks:
        if "text" in block:
            parts.append(block["text"]["text"])
        parts.extend(f["text"] for f in block.get("fields", []))
        if block["type"] == "context":
            parts.extend(e["text"] for e in block["elements"])
    return "\n".join(parts)
