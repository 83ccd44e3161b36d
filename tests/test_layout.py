"""The house's layout (docs/architecture.md): imports run one way.

    pages ─┐
           ├─> web ─> components ─> data
    pwa  ──┘

Nothing imports pages or pwa; web imports neither; components import only data; data imports
none of the others. app.py, tests, bench and scripts may import anything."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("pages", "pwa", "web", "components", "data")
# what each package may import, besides itself
ALLOWED = {
    "pages": {"web", "components", "data"},
    "pwa": {"web", "components", "data"},
    "web": {"components", "data"},
    "components": {"data"},
    "data": set(),
}


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_run_one_way(package):
    wrong = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for line, module in _imports(path):
            top = module.split(".")[0]
            if top in PACKAGES and top != package and top not in ALLOWED[package]:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not wrong, "\n".join(wrong)


def test_pages_holds_dash_pages_only():
    """Every module in pages/ registers a Dash page; the Flask side lives in web/."""
    for path in sorted((ROOT / "pages").glob("*.py")):
        if path.name == "__init__.py":
            continue
        assert "dash.register_page(" in path.read_text(encoding="utf-8"), f"{path.name} is not a Dash page"


def test_the_top_level_is_the_product_cards():
    for name in ("app.py", "pages", "components", "pwa", "data", "tests", "pyproject.toml", "README.md"):
        assert (ROOT / name).exists(), name
    for gone in ("api", "field", "wall"):
        assert not (ROOT / gone).exists(), f"{gone}/ moved (pwa/ or web/)"
