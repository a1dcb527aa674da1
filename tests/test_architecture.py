"""The apps depend one way: broedplaats imports chains, never the reverse."""

import ast
from pathlib import Path

import pytest

CHAINS = Path(__file__).resolve().parent.parent / "chains"


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted(CHAINS.rglob("*.py")), ids=lambda p: str(p.relative_to(CHAINS)))
def test_chains_never_imports_broedplaats(path):
    assert not {m for m in _imported_modules(path) if m.split(".")[0] == "broedplaats"}
