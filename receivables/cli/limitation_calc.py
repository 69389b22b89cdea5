"""`receivables calc limitation`: the expiry of one claim's limitation period, with its rules and assumptions."""

from __future__ import annotations

from typing import Any, Optional

import typer

from receivables.cli.app import state
from receivables.cli.output import OutputFormat, console, fail, print_json, print_table
from receivables.domain.calendar import ScheduleError
from receivables.domain.dates import parse_date
from receivables.domain.limitation import (
    NOT_LEGAL_ADVICE,
    LimitationError,
    LimitationResult,
    limitation,
    parse_event,
)
from receivables.files.holiday_schedules import load_rest_day_calendar


def register(calc_app: typer.Typer) -> None:
    calc_app.command("limitation")(calc_limitation)


def calc_limitation(
    ctx: typer.Context,
    due: list[str] = typer.Option(..., "--due", help="The due date; repeat for the instalments of one debt "
                                  "(CN: the period runs from the last one, Art. 189)."),
    event: list[str] = typer.Option([], "--event", help="KIND:DATE, repeatable. Kinds: demand (delivery "
                                    "evidenced), acknowledgment, part_payment, legal_action, agreement_to_pay."),
    jurisdiction: str = typer.Option("CN", "--jurisdiction", help="CN, UK or DE."),
    weekends_rest: Optional[bool] = typer.Option(None, "--weekends-rest/--no-weekends-rest",
                                                 help="CN: whether ordinary weekends are rest days (default: the "
                                                 "setting in holidays/rest_days.json, else they are)."),
    swapped_days_rest: Optional[bool] = typer.Option(None, "--swapped-days-rest/--no-swapped-days-rest",
                                                     help="CN: whether official swapped working days (调休上班) "
                                                     "stay rest days (default: the setting, else they do not)."),
    output_format: OutputFormat = typer.Option(OutputFormat.table, "--format"),
) -> None:
    """Compute when a claim's limitation period expires (诉讼时效). Not legal advice."""
    try:
        due_dates = [parse_date(text) for text in due]
    except ValueError as exc:
        fail(f"--due: {exc}")
    try:
        events = [parse_event(text) for text in event]
        rest_days = None
        if jurisdiction.strip().upper() == "CN":
            rest_days = load_rest_day_calendar(state(ctx).settings.home, weekends_rest=weekends_rest,
                                               swapped_days_rest=swapped_days_rest)
        result = limitation(jurisdiction, due_dates, events, rest_days)
    except (LimitationError, ScheduleError) as exc:
        fail(str(exc))
    if output_format is OutputFormat.json:
        print_json(limitation_document(result))
        return
    _print_plainly(result)


def limitation_document(result: LimitationResult) -> dict[str, Any]:
    """The JSON form: expires_on, basis, events_applied, events_ignored, assumptions, long_stop, waiver."""
    return {
        "expires_on": result.expires_on,
        "basis": {"kind": result.basis.kind, "date": result.basis.date},
        "events_applied": [{"kind": e.kind, "date": e.date, "effect": e.effect, "expires_on": e.expires_on}
                           for e in result.events_applied],
        "events_ignored": [{"kind": e.kind, "date": e.date, "reason": e.reason} for e in result.events_ignored],
        "assumptions": list(result.assumptions),
        "long_stop": result.long_stop,
        "waiver": None if result.waiver is None else {"date": result.waiver.date, "reason": result.waiver.reason},
    }


def _print_plainly(result: LimitationResult) -> None:
    out = console()
    out.print(f"Limitation ({result.jurisdiction}): expires on {result.expires_on} "
              f"({result.expires_on:%A})", highlight=False)
    out.print(f"Basis: {result.basis.kind} {result.basis.date}", highlight=False)
    if result.long_stop is not None:
        out.print(f"Long-stop (20 years, cannot be interrupted): {result.long_stop}", highlight=False)
    if result.waiver is not None:
        out.print(f"Waiver of the limitation defence on {result.waiver.date}: {result.waiver.reason}",
                  highlight=False)
    if result.events_applied:
        print_table("Events applied", ["date", "kind", "effect", "expires on"],
                    [(e.date, e.kind, e.effect, e.expires_on) for e in result.events_applied])
    if result.events_ignored:
        print_table("Events ignored", ["date", "kind", "reason"],
                    [(e.date, e.kind, e.reason) for e in result.events_ignored])
    out.print("Assumptions:", highlight=False)
    for assumption in result.assumptions:
        if assumption != NOT_LEGAL_ADVICE:
            out.print(f"- {assumption}", highlight=False, markup=False)
    out.print(NOT_LEGAL_ADVICE, highlight=False)

