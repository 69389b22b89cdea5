"""CLI start-up stays light: command modules import services, storage and document libraries only inside
the commands that use them (the rule is written at the top of receivables/cli/app.py)."""

from __future__ import annotations

import os
import pkgutil
import subprocess
import sys

import pytest

import receivables.cli

# What a module under receivables/cli must not load just by being imported.
HEAVY = ("sqlalchemy", "alembic", "reportlab", "docx", "openpyxl", "fastapi", "starlette", "uvicorn", "jinja2",
         "apscheduler", "pypdf", "PIL", "psycopg", "argon2", "multiprocessing", "letters")
CLI_MODULES = sorted(m.name for m in pkgutil.iter_modules(receivables.cli.__path__))


def _heavy_modules_loaded_by(code: str) -> list[str]:
    probe = (f"import sys; {code}; "
             f"print(sorted({{n.split('.')[0] for n in sys.modules}} & set({HEAVY!r})))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    return eval(done.stdout)  # a printed list of names, from our own probe


@pytest.mark.parametrize("module", CLI_MODULES)
def test_a_cli_module_imports_no_database_or_document_library_at_module_level(module: str) -> None:
    heavy = _heavy_modules_loaded_by(f"import receivables.cli.{module}")
    assert heavy == [], (f"importing receivables.cli.{module} loads {heavy}: import them inside the command "
                         "function (see the start-up rule in receivables/cli/app.py)")


def test_ledger_and_the_command_tree_load_without_sqlalchemy() -> None:
    assert _heavy_modules_loaded_by("import receivables.cli.app, receivables.cli.ledger") == []


def test_registering_every_command_loads_no_database_or_document_library() -> None:
    """What every command pays before it runs: the whole tree, as `main` builds it."""
    assert _heavy_modules_loaded_by("import receivables.cli.app; sys.modules['receivables.cli.app']._register()") == []


def test_help_through_the_console_script_loads_no_document_or_web_library() -> None:
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}
    done = subprocess.run(["receivables", "--help"], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0
    loaded = {line.split("|")[2].strip().split(".")[0] for line in done.stderr.splitlines()
              if line.startswith("import time:") and "|" in line}
    assert loaded & {"reportlab", "docx", "openpyxl", "fastapi", "uvicorn", "apscheduler", "alembic", "pypdf"} == set()


def test_aging_declares_only_the_tables_it_reads_and_what_they_point_at(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Declaring every area's tables cost a sixth of the aging's time. It reads the ledger and parties, which point
    at dunning policies and letters; the unit of work knows the audit log's table."""
    home = str(tmp_path / "home")
    subprocess.run(["receivables", "--home", home, "init"], check=True, capture_output=True, timeout=120)
    probe = ("import sys\nfrom receivables.cli.app import main\n"
             "try:\n    main(['--home', sys.argv[1], 'aging', '--format', 'json'])\n"
             "finally:\n    print(sorted(m.rsplit('.', 1)[1] for m in sys.modules\n"
             "                 if m.startswith('receivables.storage.schema.')), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", probe, home], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert '"rows":[]' in done.stdout
    assert done.stderr.strip().splitlines()[-1] == str(["audit", "base", "dunning", "ledger", "letters", "parties"])
