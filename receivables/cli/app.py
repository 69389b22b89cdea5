"""The command tree, global options, and the translation of errors into one line and an exit status."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NoReturn, Optional

import typer

from receivables.cli.output import error_console
from receivables.config import Settings, load_settings

if TYPE_CHECKING:
    from receivables.bootstrap import Runtime

# Start-up rule for every module under receivables/cli: import at module level only typer, rich, the standard
# library, receivables.config, receivables.cli.output/options and receivables.domain; import services,
# storage, SQLAlchemy, files, letters, reportlab, openpyxl, fastapi... inside the command function that
# uses them. Every command pays for what any area imports at module level (`_register` loads them all),
# and `aging` must answer in under 3 s. tests/e2e/cli/test_cli_startup.py checks it.

app = typer.Typer(
    name="receivables",
    help="Receivables and B2B dunning: ledger, aging, letters. 应收账款与催收。",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@dataclass
class CliState:
    """What the global options said; the runtime is built on first use, not at import."""

    settings: Settings
    runtime: Runtime | None = field(default=None)

    def open(self, *, require_schema: bool = True) -> Runtime:
        from receivables.bootstrap import start
        from receivables.services.setup import require_current_schema

        if self.runtime is None:
            self.runtime = start(self.settings)
        if require_schema:
            require_current_schema(self.runtime.engine)
        return self.runtime

    @property
    def actor(self) -> str:
        return self.settings.user


@app.callback()
def configure(
    ctx: typer.Context,
    db: Optional[str] = typer.Option(None, "--db", help="Database URL (default: SQLite file in the data folder; "
                                     "env RECEIVABLES_DATABASE_URL)."),
    home: Optional[str] = typer.Option(None, "--home", help="Data folder (env RECEIVABLES_HOME, "
                                       "default ./receivables-data)."),
) -> None:
    ctx.obj = CliState(load_settings(db=db, home=home))
    ctx.call_on_close(lambda: ctx.obj.runtime.close() if ctx.obj.runtime else None)


def state(ctx: typer.Context) -> CliState:
    """The CLI state of the root command, from any sub-command's context."""
    root = ctx.find_root()
    assert isinstance(root.obj, CliState)
    return root.obj


def _register() -> None:
    from receivables.cli import (calc, cases, companies, contacts, dunning, followup, holidays, ledger, legal, projects,
                                 rates, reconcile, scheduler, statements, web)
    from receivables.cli import links

    ledger.register(app)
    companies.register(app)
    calc.register(app)
    rates.register(app)
    contacts.register(app)
    followup.register(app)
    holidays.register(app)
    web.register(app)
    for area in (dunning, statements, reconcile, scheduler, projects, legal, cases, links):
        area.register(app)
    from receivables.cli import letters_issue
    from receivables.cli.letters import letters_app

    letters_issue.register(letters_app)
    app.add_typer(letters_app, name="letters", help="Letter templates: list, check, preview, issue. 函件模板。")


# Errors reported as one line, by module and name: looked up only if their module was loaded (an error
# cannot come from a module that never ran), so that start-up imports none of them.
USER_ERRORS: tuple[tuple[str, str], ...] = (
    ("receivables.cli.output", "UserError"), ("receivables.config", "ConfigError"),
    ("receivables.storage.database", "DatabaseUnavailable"), ("receivables.services.errors", "Refused"),
    ("receivables.storage.blobs", "BlobError"), ("letters.errors", "LetterError"),
)


def _loaded(errors: tuple[tuple[str, str], ...]) -> tuple[type[BaseException], ...]:
    return tuple(getattr(sys.modules[module], name) for module, name in errors if module in sys.modules)


def _say(message: str) -> None:
    error_console().print(f"[bold red]error:[/] {message}", markup=True, highlight=False)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry: exit 0 on success, 1 with one line on stderr for user errors, 2 for usage.

    Typer's standalone mode handles usage errors (exit 2) and `typer.Exit`; what reaches this function
    is ours: a user error becomes one line, anything else an "internal error" line without a traceback.
    """
    _register()
    try:
        app(args=argv, prog_name="receivables")
    except KeyboardInterrupt:
        _say("interrupted; the current transaction was rolled back")
        sys.exit(130)
    except Exception as exc:
        _fail(exc)


def _fail(exc: Exception) -> NoReturn:
    if isinstance(exc, _loaded(USER_ERRORS)):
        _say(str(exc))
        sys.exit(1)
    database = sys.modules.get("sqlalchemy.exc")
    if database is not None and isinstance(exc, database.OperationalError):
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc).splitlines()[0]
        _say(f"database error: {reason}")
        sys.exit(1)
    if database is not None and isinstance(exc, database.SQLAlchemyError):
        _say(f"database error: {str(exc).splitlines()[0]}")
        sys.exit(1)
    if os.environ.get("RECEIVABLES_DEBUG"):  # a bug: still one line, with a way to see the traceback
        raise exc
    _say(f"internal error ({type(exc).__name__}: {exc}); set RECEIVABLES_DEBUG=1 to see the traceback")
    sys.exit(1)
