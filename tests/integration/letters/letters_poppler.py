"""Helpers for letters integration tests: external tools (poppler) that CI must have."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def require_tool(name: str) -> str:
    """The tool's path; without it the test fails on CI (CI=true) and is skipped with a reason elsewhere."""
    found = shutil.which(name)
    if found:
        return found
    message = f"{name} is not installed (apt-get install poppler-utils)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message}; CI must install it")
    pytest.skip(message)


def pdf_text(pdf: bytes, tmp_path: Path, *args: str) -> str:
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    tool = require_tool("pdftotext")
    return subprocess.run([tool, *args, str(path), "-"], capture_output=True, check=True).stdout.decode()
