"""The largest modules and classes of a package, and those over the limits (350 lines a module, 200 a class).

    python scripts/sizes.py [PACKAGE_DIR]     (default: oracle)
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

MODULE_LIMIT, CLASS_LIMIT = 350, 200


def sizes(root: Path) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    modules, classes = [], []
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        modules.append((len(text.splitlines()), str(path)))
        classes += [(node.end_lineno - node.lineno + 1, f"{path}:{node.name}") for node in ast.walk(ast.parse(text))
                    if isinstance(node, ast.ClassDef) and node.end_lineno is not None]
    return modules, classes


def main() -> int:
    modules, classes = sizes(Path(sys.argv[1] if len(sys.argv) > 1 else "oracle"))
    for title, found, limit in (("modules", modules, MODULE_LIMIT), ("classes", classes, CLASS_LIMIT)):
        print(f"largest {title} (lines):")
        for lines, name in sorted(found, reverse=True)[:8]:
            print(f"  {lines:5}  {name}{'  (over ' + str(limit) + ')' if lines > limit else ''}")
    over = [n for n, _ in modules if n > MODULE_LIMIT] + [n for n, _ in classes if n > CLASS_LIMIT]
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
