"""`receivables scheduler`: the persistent schedule of statements, dunning, promises and the limitation watch."""

from __future__ import annotations

import importlib
from dataclasses import asdict
from types import ModuleType
from typing import Optional

import typer

from receivables.cli.app import state
from receivables.cli.output import OutputFormat, print_json, print_table

AT_HELP = ("A job's daily time, JOB=HH:MM or JOB=off (jobs: statements 06:00, promises 06:30, dunning 07:00, "
           "limitation 07:30; env RECEIVABLES_SCHEDULE_<JOB>); repeatable. 任务每日时间。")


def register(app: typer.Typer) -> None:
    """Adds this module's commands to the root command."""
    app.command("scheduler")(scheduler)


def _entry_point() -> ModuleType:
    # The scheduler is an entry point beside the CLI (the import contract keeps the two independent):
    # the command hands over to it by name, as `serve` hands over to the web application.
    return importlib.import_module("receivables.scheduler")


def _times(values: list[str]) -> dict[str, str]:
    times = {}
    for value in values:
        job, sep, at = value.partition("=")
        if not sep or not job.strip() or not at.strip():
            raise typer.BadParameter(f"--at {value!r}: expected JOB=HH:MM or JOB=off, e.g. statements=05:45")
        times[job.strip()] = at.strip()
    return times


def scheduler(
    ctx: typer.Context,
    list_only: bool = typer.Option(False, "--list", help="Show each job and its next run without starting. "
                                   "列出任务及下次运行时间。"),
    output_format: OutputFormat = typer.Option(OutputFormat.table, "--format", help="With --list: table or json."),
    at: Optional[list[str]] = typer.Option(None, "--at", metavar="JOB=HH:MM", help=AT_HELP),
) -> None:
    """Run the daily jobs until stopped (SIGTERM or Ctrl+C); a second scheduler on the same database waits
    and takes over when the first stops. 运行定时任务（同一数据库只有一个调度器生效）。"""
    cli = state(ctx)
    times = _times(at or [])
    entry = _entry_point()
    entry.job_times(times)  # a malformed time is reported before the database is opened
    if not list_only:
        raise typer.Exit(entry.run(cli.open(), times))
    listings = entry.list_jobs(cli.open(), times)
    if output_format is OutputFormat.json:
        print_json([asdict(listing) for listing in listings])
        return
    print_table("Scheduled jobs 定时任务", ["job", "daily at", "next run", "state", "entry"],
                [(job.id, job.at or "off", f"{job.next_run:%Y-%m-%d %H:%M %Z}" if job.next_run else "",
                  job.state, job.entry if job.available else f"missing: {job.problem}") for job in listings])
