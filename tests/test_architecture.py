"""Imports point inward: the import-linter contracts in pyproject.toml hold."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept() -> None:
    executable = shutil.which("lint-imports")
    assert executable is not None, "import-linter is not installed (pip install -e '.[test]')"
    result = subprocess.run([executable, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 broken." in result.stdout
    assert "domain is pure: standard library only KEPT" in result.stdout
    assert "layers point inward KEPT" in result.stdout


def test_domain_and_letters_type_check_strictly() -> None:
    """The pure layers are fully typed (mypy strict, configured in pyproject.toml)."""
    result = subprocess.run([sys.executable, "-m", "mypy", "receivables/domain", "letters"], cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
