"""core/ must never import Qt: the engine runs headless and in CI without a display."""

from __future__ import annotations

import ast
from pathlib import Path

FORBIDDEN = ("PySide6", "shiboken6", "pyqtgraph", "PyQt5", "PyQt6")
CORE = Path(__file__).resolve().parents[2] / "core"


def _imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def test_core_has_modules() -> None:
    assert len(list(CORE.rglob("*.py"))) >= 5


def test_core_never_imports_qt() -> None:
    offenders = [
        f"{path.relative_to(CORE.parent)} imports {name}"
        for path in sorted(CORE.rglob("*.py"))
        for name in _imported_modules(path)
        if name.split(".")[0] in FORBIDDEN
    ]
    assert offenders == []


def test_boundary_check_detects_qt(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import numpy\nfrom PySide6.QtCore import QObject\n", encoding="utf-8")
    assert "PySide6.QtCore" in _imported_modules(bad)
