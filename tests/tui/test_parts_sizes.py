"""The Oracle screen stays composed of parts (#24): no module of the app's parts over 350 lines,
no class over 200, and no screen reaching into another with getattr (they go through the app)."""

from __future__ import annotations

import ast
from pathlib import Path

TUI = Path(__file__).resolve().parents[2] / "oracle" / "tui"
OWNED = [TUI / "screens" / "oracle.py", TUI / "screens" / "conversations.py", *sorted((TUI / "widgets").glob("*.py"))]


def test_the_oracle_screen_and_its_parts_are_small():
    too_big = []
    for path in OWNED:
        source = path.read_text("utf-8")
        if source.count("\n") > 350:
            too_big.append(f"{path.name}: {source.count(chr(10))} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ClassDef) and node.end_lineno - node.lineno + 1 > 200:
                too_big.append(f"{path.name}: class {node.name} has {node.end_lineno - node.lineno + 1} lines")
    assert not too_big, too_big


def test_no_screen_reaches_into_the_oracle_screen():
    for path in (TUI / "screens").glob("*.py"):
        source = path.read_text("utf-8")
        assert 'get_screen("oracle")' not in source, f"{path.name} reaches into the Oracle screen: go through the app"
