"""`receivables rates`: the reference-rate tables (LPR, BoE base, Basiszinssatz, ECB) and the fixings users add."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from receivables.cli.app import CliState, state
from receivables.cli.output import OutputFormat, console, fail, print_json, print_table
from receivables.domain.dates import parse_date
from receivables.domain.rates import SERIES, RateError, RateSeries, parse_percent

# SQLAlchemy, services and storage are imported inside each function (see the start-up rule in cli/app.py).

rates_app = typer.Typer(help="Reference-rate tables for late interest: list, add. 基准利率。", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(rates_app, name="rates")


def _database_in_use(cli: CliState) -> bool:
    """A database to read user fixings from: configured, and (for the default SQLite file) already created."""
    from sqlalchemy.engine import make_url

    from receivables.services import rates

    url = make_url(cli.settings.database_url)
    if (url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
            and not Path(url.database).exists()):
        return False
    return rates.has_rate_table(cli.open(require_schema=False).engine)


def rate_tables(ctx: typer.Context) -> tuple[dict[str, RateSeries], str]:
    """Every series and where it came from: the shipped tables, plus the database's fixings once initialised."""
    from receivables.services import rates

    cli = state(ctx)
    if not _database_in_use(cli):
        return rates.shipped_series(), "shipped tables only (no initialised database)"
    with cli.open(require_schema=False).sessions() as session:
        return rates.load_series(session), "shipped tables and fixings added in the database"


@rates_app.command("add", context_settings={"ignore_unknown_options": True})
def rates_add(
    ctx: typer.Context,
    series: str = typer.Argument(..., metavar="SERIES", help=f"One of: {', '.join(SERIES)}."),
    effective_on: str = typer.Argument(..., metavar="DATE", help="The day the rate takes effect."),
    percent: str = typer.Argument(..., metavar="PERCENT", help="Percent per year, e.g. 3.00 or -0.50."),
    source: Optional[str] = typer.Option(None, "--source", help="Where the figure was published."),
) -> None:
    """Add a fixing to a series, valid from DATE until the next one (recorded in the audit log)."""
    from receivables.services import rates
    from receivables.storage.database import unit_of_work

    try:
        day = parse_date(effective_on)
        value = parse_percent(percent)
    except (ValueError, RateError) as exc:
        fail(str(exc))
    cli = state(ctx)
    with unit_of_work(cli.open().sessions) as session:
        added = rates.add_fixing(session, series, day, value, actor=cli.actor, source=source)
    console().print(f"added {added.series} {added.effective_on} {added.percent}%"
                    + (f" ({added.source})" if added.source else ""), highlight=False, markup=False)


@rates_app.command("list")
def rates_list(
    ctx: typer.Context,
    series: Optional[str] = typer.Argument(None, help=f"One series ({', '.join(SERIES)}); default all."),
    output_format: OutputFormat = typer.Option(OutputFormat.table, "--format"),
) -> None:
    """The fixings of every series (or one), shipped and added, each valid until the next."""
    from receivables.services import rates

    cli = state(ctx)
    if _database_in_use(cli):
        with cli.open(require_schema=False).sessions() as session:
            views = rates.list_fixings(session, series)
    else:
        views = rates.list_fixings(None, series)
    if output_format is OutputFormat.json:
        print_json([{"series": v.series, "date": v.effective_on, "percent": format(v.percent, "f"),
                     "source": v.source, "origin": v.origin, "added_by": v.added_by} for v in views])
        return
    print_table("Rate fixings (percent per year, valid until the next fixing)",
                ["series", "from", "percent", "origin", "source"],
                [(v.series, v.effective_on, f"{v.percent:f}", v.origin, v.source) for v in views],
                right_align=(2,))
