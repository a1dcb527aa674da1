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


BROEDPLAATS = Path(__file__).resolve().parent.parent / "broedplaats"
PREFIXED = ("views_", "forms_", "urls_", "admin_")
SUFFIXED = ("_views", "_serializers", "_forms", "_urls")


def test_the_edge_has_no_prefixed_modules_side_by_side():
    """Pages, forms, URL patterns, serializers and admin live in packages named by layer, with a
    module per topic inside (CONVENTIONS.md, "Where new code goes"); a file named
    `views_creative.py` or `allocation_serializers.py` beside them would start the old row again."""
    offenders = [
        str(path.relative_to(BROEDPLAATS))
        for path in BROEDPLAATS.rglob("*.py")
        if "migrations" not in path.parts
        and (path.stem.startswith(PREFIXED) or path.stem.endswith(SUFFIXED))
    ]
    assert offenders == []
