"""`receivables dunning` and `receivables worklist`: proposals, approval, execution; the day's work."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from receivables.cli.app import state
from receivables.cli.options import AS_OF, as_of_date
from receivables.cli.output import OutputFormat, console, error_console, print_json, print_table
from receivables.storage.database import unit_of_work

dunning_app = typer.Typer(help="Dunning runs: propose, approve, execute; policies. 催收流程。", no_args_is_help=True)
policy_app = typer.Typer(help="Dunning policies (ladders) as YAML data. 催收策略。", no_args_is_help=True)

FORMAT = typer.Option(OutputFormat.table, "--format", help="table or json.")


def register(app: typer.Typer) -> None:
    """Adds this module's commands to the root command."""
    dunning_app.add_typer(policy_app, name="policy")
    app.add_typer(dunning_app, name="dunning")
    app.command("worklist")(worklist)


@dunning_app.command("run")
def run(ctx: typer.Context, as_of: str | None = AS_OF,
        dry_run: bool = typer.Option(False, "--dry-run", help="Show the proposals; store nothing."),
        output: OutputFormat = FORMAT) -> None:
    """Propose each debtor's next dunning step for a date. 生成催收建议。"""
    from receivables.services.dunning.runs import propose
    from receivables.services.legal import rest_days_of

    day = as_of_date(as_of)
    cli = state(ctx)
    with unit_of_work(cli.open().sessions) as session:
        result = propose(session, day, actor=cli.actor, dry_run=dry_run, rest_days=rest_days_of(cli.settings))
        if dry_run:
            session.rollback()
    if output is OutputFormat.json:
        print_json(result.as_document())
        return
    if result.note:
        error_console().print(result.note, markup=False, highlight=False)
    print_table(f"dunning {'dry run' if dry_run else f'run {result.run}'} as of {day}",
                ["debtor", "name", "level", "step", "action", "items", "currency", "open", "interest", "fees",
                 "recipients", "gaps"],
                [(p.debtor, p.debtor_name, p.level.number, p.level.name, p.level.action, len(p.items), p.currency,
                  p.open, p.interest, p.fees, ", ".join(r["name"] for r in p.recipients), "; ".join(p.gaps))
                 for p in result.proposals], right_align=(2, 5, 7, 8, 9))
    if result.resets:
        console().print(f"{len(result.resets)} debtors back to level 0 (balance zero or in credit)")


@dunning_app.command("approve")
def approve(ctx: typer.Context, run_id: int = typer.Argument(..., metavar="RUN", help="The run's number."),
            exclude: list[str] = typer.Option([], "--exclude", help="Debtor code to leave out; repeatable."),
            output: OutputFormat = FORMAT) -> None:
    """Approve a run's proposals your role may approve (lawyer letters: legal). 审批催收建议。"""
    from receivables.services.dunning.runs import approve as approve_run

    cli = state(ctx)
    with unit_of_work(cli.open().sessions) as session:
        result = approve_run(session, run_id, actor=cli.actor, exclude=exclude)
    if output is OutputFormat.json:
        print_json({"run": result.run, "approved": result.approved, "excluded": list(result.excluded),
                    "awaiting": result.awaiting})
        return
    waiting = ", ".join(f"{n} by {role}" for role, n in result.awaiting.items())
    console().print(f"run {result.run}: {result.approved} approved, {len(result.excluded)} excluded"
                    + (f"; awaiting approval: {waiting}" if waiting else ""))


@dunning_app.command("execute")
def execute(ctx: typer.Context, run_id: int = typer.Argument(..., metavar="RUN", help="The run's number."),
            workers: int | None = typer.Option(None, "--workers", min=1, help="Render processes (default: all)."),
            formats: str = typer.Option("pdf,docx", "--letter-format", help="pdf, docx or pdf,docx."),
            batch: int = typer.Option(100, "--batch", min=1, help="Letters per transaction (a crash loses at most "
                                      "one batch, which executing again redoes)."),
            output: OutputFormat = FORMAT) -> None:
    """Issue the letters, send or queue the e-mails, create the tasks; safe to repeat. 执行催收。"""
    from receivables.services.dunning.execution import LetterDeps, execute_run
    from receivables.services.letters import catalog_for
    from receivables.storage.blobs import BlobStore

    cli = state(ctx)
    runtime = cli.open()
    smtp = _smtp()
    show = output is OutputFormat.table and sys.stderr.isatty()
    with Progress(*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=error_console(), disable=not show, transient=True) as bar:
        task = bar.add_task("dunning letters", total=None)
        deps = LetterDeps(catalog_for(cli.settings.user_templates_dir), BlobStore(cli.settings.blob_dir),
                          cli.settings.user_templates_dir, tuple(f.strip() for f in formats.split(",") if f.strip()),
                          workers, batch=batch)
        result = execute_run(runtime.sessions, run_id, actor=cli.actor, deps=deps, smtp=smtp,
                             public_url=os.environ.get("RECEIVABLES_PUBLIC_URL"),
                             progress=lambda what, done, total: bar.update(task, description=what, completed=done,
                                                                           total=total))
    if output is OutputFormat.json:
        print_json(result)
        return
    console().print(f"run {result.run}: {result.letters} letters, {result.emails_sent} e-mails sent, "
                    f"{result.emails_queued} queued, {result.tasks} tasks"
                    + (f"; {result.skipped} actions were already done" if result.skipped else ""))
    for line in result.failed:
        error_console().print(f"failed: {line}", markup=False, highlight=False)


def _smtp() -> object:
    """SMTP settings from the environment, or None (e-mails are then queued as actions)."""
    try:
        from receivables.services.mail import SmtpSettings
    except ImportError:
        return None
    return SmtpSettings.from_env(os.environ)


@dunning_app.command("runs")
def runs(ctx: typer.Context, output: OutputFormat = FORMAT) -> None:
    """List dunning runs and their state. 催收批次。"""
    from receivables.services.dunning.runs import list_runs

    cli = state(ctx)
    with unit_of_work(cli.open().sessions) as session:
        found = list_runs(session)
    if output is OutputFormat.json:
        print_json(found)
        return
    print_table("dunning runs", ["run", "as of", "status", "by", "proposals", "actions"],
                [(r.id, r.as_of, r.status, r.created_by, ", ".join(f"{k} {v}" for k, v in r.proposals.items()),
                  r.actions) for r in found])


@dunning_app.command("collector")
def collector(ctx: typer.Context, debtor: str = typer.Argument(..., help="Debtor code."),
              name: str | None = typer.Argument(None, help="Collector; leave out to clear.")) -> None:
    """Name the collector who works a debtor. 指定催收员。"""
    from receivables.services.dunning.policies import set_collector

    cli = state(ctx)
    with unit_of_work(cli.open().sessions) as session:
        set_collector(session, debtor, name, actor=cli.actor)
    console().print(f"{debtor}: collector {name or '(none)'}")


@policy_app.command("list")
def policy_list(ctx: typer.Context, output: OutputFormat = FORMAT) -> None:
    """The stored policies and their levels. 策略列表。"""
    from receivables.services.dunning.policies import list_policies

    cli = state(ctx)
    with unit_of_work(cli.open().sessions) as session:
        found = list_policies(session, actor=cli.actor)
    if output is OutputFormat.json:
        print_json([p.as_document() for p in found])
        return
    for policy in found:
        print_table(f"{policy.name}{' (default)' if policy.is_default else ''}  segments: "
                    f"{', '.join(policy.segments) or '-'}",
                    ["#", "level", "days", "min amount", "wait", "action", "template", "roles", "channel", "fees",
                     "approver"],
                    [(lv.number, lv.name, lv.days, lv.min_amount, lv.min_days_since_previous, lv.action,
                      lv.template or "", ",".join(lv.roles), lv.channel,
                      " ".join(f"{c} {a}" for c, a in lv.fees.items()), lv.approver) for lv in policy.levels],
                    right_align=(0, 2, 3, 4))


@policy_app.command("import")
def policy_import(ctx: typer.Context, path: Path = typer.Argument(..., help="The policy YAML file.")) -> None:
    """Load (or replace) a policy from a YAML file. 导入策略。"""
    from receivables.services.dunning.policies import import_policy

    cli = state(ctx)
    with unit_of_work(cli.open().sessions) as session:
        policy = import_policy(session, path, actor=cli.actor)
    console().print(f"policy {policy.name}: {len(policy.levels)} levels stored")


@policy_app.command("export")
def policy_export(ctx: typer.Context, name: str = typer.Argument("standard", help="Policy name.")) -> None:
    """Write a stored policy as YAML on stdout. 导出策略。"""
    from receivables.services.dunning.policies import find_policy, policy_yaml

    cli = state(ctx)
    with unit_of_work(cli.open().sessions) as session:
        _, policy = find_policy(session, name)
    sys.stdout.write(policy_yaml(policy))


@policy_app.command("assign")
def policy_assign(ctx: typer.Context, debtor: str = typer.Argument(..., help="Debtor code."),
                  name: str | None = typer.Argument(None, help="Policy; leave out to follow the segment.")) -> None:
    """Override one debtor's policy. 为单个债务人指定策略。"""
    from receivables.services.dunning.policies import assign_policy

    cli = state(ctx)
    with unit_of_work(cli.open().sessions) as session:
        assign_policy(session, debtor, name, actor=cli.actor)
    console().print(f"{debtor}: policy {name or '(by segment)'}")


def worklist(ctx: typer.Context, as_of: str | None = AS_OF,
             collector: str | None = typer.Option(None, "--collector", help="Only this collector's debtors."),
             limit: int = typer.Option(50, "--limit", min=1, help="Rows to show."),
             output: OutputFormat = FORMAT) -> None:
    """The debtors most worth acting on, with the next step and whom to call. 催收工作清单。"""
    from receivables.services.dunning.worklist import worklist as build
    from receivables.services.legal import rest_days_of

    day = as_of_date(as_of)
    cli = state(ctx)
    with unit_of_work(cli.open().sessions) as session:
        rows = build(session, day, collector=collector, rest_days=rest_days_of(cli.settings))[:limit]
    if output is OutputFormat.json:
        print_json(rows)
        return
    print_table(f"worklist as of {day}" + (f" for {collector}" if collector else ""),
                ["debtor", "name", "currency", "overdue", "days", "broken", "last contact", "limitation", "next action",
                 "contact", "phone"],
                [(r.debtor, r.debtor_name, r.currency, r.overdue, r.oldest_days, r.broken_promises,
                  "never" if r.days_since_contact is None else f"{r.days_since_contact} d",
                  f"{r.limitation_expires_on} (≤{r.limitation_band} d)" if r.limitation_expires_on else "",
                  r.next_action, r.contact, r.phone) for r in rows], right_align=(3, 4, 5))
