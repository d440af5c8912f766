"""`oracle.engine`'s __init__ is the engine's one public face: the faces import nothing deeper.

If the command line or the app reached into `oracle.engine.store.meta` or `oracle.engine.read.reading`,
every move inside the engine would break a face; importing from `oracle.engine` alone keeps the
engine free to rearrange itself behind the names it exports.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import oracle.engine as engine

ROOT = Path(__file__).resolve().parents[1]
FACES = [ROOT / "oracle" / "cli", ROOT / "oracle" / "tui"]


def _deep_imports(path: Path) -> list[str]:
    """Every `oracle.engine.<sub>` import in one module, wherever it stands (top level or in a function)."""
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("oracle.engine."):
            found.append(f"{where}:{node.lineno} from {node.module} import ...")
        elif isinstance(node, ast.Import):
            found += [f"{where}:{node.lineno} import {a.name}" for a in node.names
                      if a.name.startswith("oracle.engine.")]
    return found


def test_the_faces_import_the_engine_only_through_its_public_face():
    modules = [p for face in FACES for p in sorted(face.rglob("*.py"))]
    assert len(modules) > 20  # the walk found the faces' modules (a wrong root would pass vacuously)
    offenders = [hit for p in modules for hit in _deep_imports(p)]
    assert offenders == [], "import these from oracle.engine instead:\n" + "\n".join(offenders)


def test_the_checker_catches_a_deep_import(tmp_path):
    module = tmp_path / "probe.py"
    module.write_text("import oracle.engine\ndef f():\n    from oracle.engine.store.meta import read_settings\n"
                      "import oracle.engine.io.paths\n", encoding="utf-8")
    assert sorted(_deep_imports(module)) == ["probe.py:3 from oracle.engine.store.meta import ...",
                                             "probe.py:4 import oracle.engine.io.paths"]


def test_every_exported_name_resolves_and_the_type_checker_sees_the_same_names():
    for name in engine.__all__:
        assert getattr(engine, name) is not None, name
    tree = ast.parse((ROOT / "oracle" / "engine" / "__init__.py").read_text(encoding="utf-8"))
    guarded = next(n for n in tree.body if isinstance(n, ast.If) and getattr(n.test, "id", "") == "TYPE_CHECKING")
    typed = {a.asname or a.name for n in guarded.body if isinstance(n, ast.ImportFrom) for a in n.names}
    assert typed == set(engine.__all__)


def test_an_unknown_name_is_an_attribute_error():
    try:
        engine.NoSuchThing  # noqa: B018
    except AttributeError as e:
        assert "NoSuchThing" in str(e)
    else:
        raise AssertionError("oracle.engine.NoSuchThing resolved")


def test_the_settings_and_errors_come_without_torch():
    # The public face resolves names on first use: asking for the schema must not build the engine.
    code = "import sys; from oracle.engine import OracleError, specs, cli_flag, Recipe; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"
