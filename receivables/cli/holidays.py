"""`receivables holidays`: the official Chinese holiday schedules used to move a limitation period's last day."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

from receivables.cli.app import state
from receivables.cli.output import OutputFormat, console, fail, print_json, print_table
from receivables.domain.calendar import HolidaySchedule, ScheduleError
from receivables.files.holiday_schedules import (
    LoadedSchedule,
    load_schedules,
    read_schedule_file,
    user_folder,
)

holidays_app = typer.Typer(help="Official Chinese holiday schedules (节假日安排): list, check. 节假日。",
                           no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(holidays_app, name="holidays")


@holidays_app.command("list")
def holidays_list(
    ctx: typer.Context,
    year: Optional[int] = typer.Option(None, "--year", help="Show one year's holidays and swapped working days."),
    output_format: OutputFormat = typer.Option(OutputFormat.table, "--format"),
) -> None:
    """The years loaded (shipped, or added in $RECEIVABLES_HOME/holidays/cn/), or one year's days."""
    home = state(ctx).settings.home
    try:
        loaded = load_schedules(home)
    except ScheduleError as exc:
        fail(str(exc))
    if year is None:
        _list_years(loaded, home, output_format)
        return
    chosen = next((entry for entry in loaded if entry.schedule.year == year), None)
    if chosen is None:
        years = ", ".join(str(entry.schedule.year) for entry in loaded)
        fail(f"no holiday schedule for {year} (loaded: {years}); add {user_folder(home) / f'{year}.json'}")
    if output_format is OutputFormat.json:
        print_json(schedule_document(chosen.schedule) | {"origin": chosen.origin, "path": chosen.path})
        return
    _print_year(chosen)


@holidays_app.command("check")
def holidays_check(path: Path = typer.Argument(..., help="A schedule file to check, e.g. 2027.json.")) -> None:
    """Check a schedule file before adding it: prints `valid: ...`, or the file and field at fault."""
    if not path.is_file():
        fail(f"{path}: no such file")
    try:
        schedule = read_schedule_file(path)
    except ScheduleError as exc:
        fail(str(exc))
    console().print(f"valid: {schedule.year}, {len(schedule.holidays)} holidays, "
                    f"{len(schedule.working_days)} swapped working days", highlight=False)


def schedule_document(schedule: HolidaySchedule) -> dict[str, Any]:
    return {
        "year": schedule.year,
        "notices": [{"title": n.title, "url": n.url} for n in schedule.notices],
        "source": schedule.source,
        "holidays": [{"name": h.name, "first": h.first, "last": h.last} for h in schedule.holidays],
        "working_days": [{"date": w.date, "name": w.name} for w in schedule.working_days],
    }


def _list_years(loaded: list[LoadedSchedule], home: Path, output_format: OutputFormat) -> None:
    if output_format is OutputFormat.json:
        print_json([{"year": e.schedule.year, "origin": e.origin, "path": e.path,
                     "holidays": len(e.schedule.holidays), "working_days": len(e.schedule.working_days),
                     "notices": [n.title for n in e.schedule.notices]} for e in loaded])
        return
    print_table("Holiday schedules (CN)", ["year", "origin", "holidays", "working days", "notice"],
                [(e.schedule.year, e.origin, len(e.schedule.holidays), len(e.schedule.working_days),
                  e.schedule.notices[0].title) for e in loaded], right_align=(2, 3))
    console().print(f"Add a year: {user_folder(home)}/YYYY.json (check it first: receivables holidays check FILE)",
                    highlight=False, markup=False)


def _print_year(entry: LoadedSchedule) -> None:
    schedule = entry.schedule
    rows = [(h.first, h.last, "holiday", h.name) for h in schedule.holidays]
    rows += [(w.date, w.date, "working day (调休上班)", w.name) for w in schedule.working_days]
    print_table(f"{schedule.year} ({entry.origin}: {entry.path})", ["from", "to", "kind", "name"],
                sorted(rows, key=lambda row: row[0]))
    out = console()
    for notice in schedule.notices:
        out.print(f"Notice: {notice.title} {notice.url}", highlight=False, markup=False)
    out.print(f"Source: {schedule.source}", highlight=False, markup=False)
