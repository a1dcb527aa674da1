"""broedplaats.matching is plain Python: importing any of its modules imports no Django."""

import pkgutil
import subprocess
import sys
from pathlib import Path

import broedplaats.matching

ROOT = Path(__file__).resolve().parents[3]


def test_matching_modules_import_no_django():
    modules = sorted(f"broedplaats.matching.{info.name}"
                     for info in pkgutil.iter_modules(broedplaats.matching.__path__))
    assert "broedplaats.matching.scoring" in modules
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "[]"
