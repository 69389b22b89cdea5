"""Ledger commands: init, import, aging, debtor show, payment reversal, demo data."""

from __future__ import annotations

import csv
import sys
from dataclasses import asdict
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from receivables.cli.app import state
from receivables.cli.options import AS_OF, as_of_date
from receivables.cli.output import (
    OutputFormat, console, error_console, fail, json_amount, json_text, print_json, print_table,
)
from receivables.domain.aging import BUCKETS, AgingReport

if TYPE_CHECKING:
    from receivables.services.imports import ImportOutcome

# Services, storage and file formats are imported inside each command (see the start-up rule in cli/app.py).


class AgingFormat(str, Enum):
    table = "table"
    json = "json"
    xlsx = "xlsx"


class AgingBy(str, Enum):
    debtor = "debtor"
    contract = "contract"
    company = "company"


class ImportKind(str, Enum):
    debtors = "debtors"
    contracts = "contracts"
    invoices = "invoices"
    payments = "payments"
    contacts = "contacts"
    projects = "projects"
    milestones = "milestones"
    settlements = "settlements"


class DemoSize(str, Enum):
    small = "small"
    large = "large"


debtor_app = typer.Typer(help="One debtor's account. 单个客户。", no_args_is_help=True)
payments_app = typer.Typer(help="Payments: reverse a bounced payment. 回款。", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("import")(import_file)
    app.command("aging")(aging)
    app.command("demo")(demo)
    app.add_typer(debtor_app, name="debtor")
    app.add_typer(payments_app, name="payments")


def init(ctx: typer.Context,
         company: Optional[str] = typer.Option(None, "--company", help="Our company (the creditor) that imports "
                                               "belong to unless a file's company column says otherwise.")) -> None:
    """Create or upgrade the database schema. 初始化或升级数据库。"""
    from receivables.services.setup import initialise
    from receivables.storage.database import redact_url

    cli = state(ctx)
    runtime = cli.open(require_schema=False)
    outcome = initialise(runtime.engine, runtime.sessions, actor=cli.actor, company=company)
    where = redact_url(cli.settings.database_url) if "sqlite" not in cli.settings.database_url else cli.settings.home
    if outcome.revision_before == outcome.revision_after:
        console().print(f"schema is up to date (revision {outcome.revision_after}) in {where}")
    else:
        console().print(f"schema {outcome.revision_before or 'created'} -> {outcome.revision_after} in {where}")
    if outcome.company:
        verb = "created" if outcome.company_created else "is"
        console().print(f"company {outcome.company!r} {verb} the default creditor")


def import_file(
    ctx: typer.Context,
    kind: ImportKind = typer.Argument(..., help="What the file holds: debtors, contracts, invoices, payments, contacts, projects, milestones or settlements."),
    file: Path = typer.Argument(..., help="CSV (UTF-8 or GBK) or XLSX file with English or Chinese headers."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check every row and report, but write nothing."),
    errors: Optional[Path] = typer.Option(None, "--errors", help="Write every problem to this CSV file."),
    company: Optional[str] = typer.Option(None, "--company", help="Creditor company for rows without a company "
                                          "column (default: the one set by init)."),
    output_format: OutputFormat = typer.Option(OutputFormat.table, "--format"),
) -> None:
    """Import a file, all or nothing: one bad row and nothing is written. 导入（全部成功才写入）。"""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from receivables.services.imports import run_import

    cli = state(ctx)
    runtime = cli.open()
    show_progress = output_format is OutputFormat.table and sys.stderr.isatty()
    with Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(bar_width=None),
                  TextColumn("{task.completed:,} rows"), TimeElapsedColumn(),
                  console=error_console(), disable=not show_progress, transient=True) as bar:
        task = bar.add_task(f"importing {kind.value} from {file.name}", total=None)
        outcome = run_import(runtime.sessions, kind.value, file, actor=cli.actor, company=company, dry_run=dry_run,
                             progress=lambda rows: bar.update(task, completed=rows))
    if errors is not None:
        _write_problems(errors, outcome)
    if output_format is OutputFormat.json:
        print_json({**asdict(outcome), "committed": outcome.committed,
                    "problems": [asdict(p) for p in outcome.problems]})
    else:
        _report_import(outcome, errors)
    if outcome.problems:
        raise typer.Exit(1)


def _report_import(outcome: ImportOutcome, errors: Optional[Path]) -> None:
    counts = (f"{outcome.rows:,} rows: {outcome.inserted:,} new, {outcome.updated:,} updated, "
              f"{outcome.unchanged:,} unchanged")
    if outcome.problems:
        err = error_console()
        shown = outcome.problems[:20]
        for problem in shown:
            err.print(str(problem), markup=False, highlight=False)
        more = len(outcome.problems) - len(shown)
        tail = f" (and {more:,} more{'; all in ' + str(errors) if errors else '; use --errors FILE to list all'})" \
            if more else ""
        err.print(f"error: {len(outcome.problems):,} problems in {outcome.source}{tail}; nothing was written",
                  markup=False, highlight=False)
        return
    verb = "checked (dry run, nothing written)" if outcome.dry_run else "imported"
    console().print(f"{outcome.kind} {verb}: {counts}", markup=False, highlight=False)


def _write_problems(path: Path, outcome: ImportOutcome) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "row", "column", "value", "reason"])
        for p in outcome.problems:
            writer.writerow([p.source, p.row or "", p.column or "", p.value or "", p.reason])


def aging(
    ctx: typer.Context,
    as_of: Optional[str] = AS_OF,
    by: AgingBy = typer.Option(AgingBy.debtor, "--by", help="Group rows by debtor, contract or company."),
    output_format: AgingFormat = typer.Option(AgingFormat.table, "--format"),
    out: Optional[Path] = typer.Option(None, "--out", help="Output file (required for xlsx)."),
) -> None:
    """Aging of open items by days past due on a date. 账龄分析。"""
    from receivables.files.export import write_aging_xlsx
    from receivables.services import reports
    from receivables.storage.database import unit_of_work

    day = as_of_date(as_of)
    runtime = state(ctx).open()
    with unit_of_work(runtime.sessions) as session:
        report = reports.aging_report(session, day, by.value)
    if output_format is AgingFormat.xlsx:
        if out is None:
            fail("--format xlsx needs --out FILE.xlsx")
        write_aging_xlsx(report, out)
        console().print(f"aging as of {day} written to {out}")
        return
    if output_format is AgingFormat.json:
        document = {
            "as_of": day, "buckets": list(BUCKETS),
            "rows": [{"key": r.key, "name": r.name, "currency": r.currency, "total": json_amount(r.total),
                      "buckets": {label: json_amount(amount) for label, amount in r.buckets.items()}}
                     for r in report.rows],
            "totals": {c: {"total": t.total, "buckets": dict(t.buckets)} for c, t in report.totals.items()},
        }
        if out is not None:
            out.write_text(json_text(document), encoding="utf-8")
        else:
            print_json(document)
        return
    _aging_table(report)


def _aging_table(report: AgingReport) -> None:
    rows = [[r.key, r.name, r.currency, r.total, *(r.buckets[b] for b in BUCKETS)] for r in report.rows[:200]]
    for currency, totals in report.totals.items():
        rows.append(["TOTAL", "", currency, totals.total, *(totals.buckets[b] for b in BUCKETS)])
    title = f"Aging as of {report.as_of} by {report.by}"
    if len(report.rows) > 200:
        title += f" (largest 200 of {len(report.rows):,} rows; use --format json or xlsx for all)"
    print_table(title, [report.by, "name", "ccy", "total", *BUCKETS], rows, right_align=range(3, 4 + len(BUCKETS)))


@debtor_app.command("show")
def debtor_show(ctx: typer.Context, code: str = typer.Argument(..., help="Debtor code."),
                as_of: Optional[str] = AS_OF,
                output_format: OutputFormat = typer.Option(OutputFormat.table, "--format")) -> None:
    """Open items, payments, balance, oldest overdue item, credit on account and DSO. 客户账户。"""
    from receivables.services import reports
    from receivables.storage.database import unit_of_work

    day = as_of_date(as_of)
    runtime = state(ctx).open()
    with unit_of_work(runtime.sessions) as session:
        account = reports.debtor_account(session, code, day)
    if output_format is OutputFormat.json:
        print_json(account)
        return
    out = console()
    out.print(f"[bold]{account.name}[/] ({account.code})  credit code {account.credit_code or '-'}  as of {day}")
    print_table("Balance", ["ccy", "open items", "overdue", "credit on account", "balance", "DSO (days)"],
                [[b.currency, b.open_items, b.overdue, b.credit_on_account, b.balance,
                  b.dso_days if b.dso_days is not None else "-"] for b in account.balances], right_align=range(1, 6))
    if account.oldest_overdue:
        o = account.oldest_overdue
        out.print(f"oldest overdue: {o.number} due {o.due_date}, {o.days_past_due} days past due, "
                  f"{o.currency} {o.open_amount:,.2f} open")
    print_table("Open items", ["number", "kind", "issued", "due", "ccy", "amount", "open", "days", "bucket"],
                [[i.number, i.kind, i.issue_date, i.due_date, i.currency, i.amount, i.open_amount, i.days_past_due,
                  i.bucket] for i in account.open_items], right_align=(5, 6, 7))
    print_table("Payments", ["reference", "received", "ccy", "amount", "unapplied", "reversed", "applied to"],
                [[p.reference, p.received_on, p.currency, p.amount, p.unapplied, p.reversed_on or "",
                  ", ".join(p.applied_to)] for p in account.payments], right_align=(3, 4))


@payments_app.command("reverse")
def payments_reverse(ctx: typer.Context, reference: str = typer.Argument(..., help="Payment reference."),
                     on: Optional[str] = typer.Option(None, "--on", help="Date of the reversal (default today)."),
                     reason: str = typer.Option(..., "--reason", help="Why, e.g. 'cheque bounced'."),
                     yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation.")) -> None:
    """Reverse a bounced payment: its allocations stop counting from that date. 冲销回款。"""
    from receivables.services.payments import reverse_payment
    from receivables.storage.database import unit_of_work

    day = as_of_date(on)
    cli = state(ctx)
    runtime = cli.open()
    if not yes and not typer.confirm(f"Reverse payment {reference} as of {day}?", default=False):
        raise typer.Exit(1)
    with unit_of_work(runtime.sessions) as session:
        reversal = reverse_payment(session, reference, day, reason, actor=cli.actor)
    console().print(f"payment {reversal.reference} ({reversal.currency} {reversal.amount:,.2f}) reversed as of "
                    f"{reversal.reversed_on}; {reversal.items_reopened} item(s) reopened")


def demo(ctx: typer.Context,
         size: DemoSize = typer.Option(DemoSize.small, "--size", help="small (~60 debtors) or large "
                                       "(20,000 debtors, 1,000,000 receivables)."),
         seed: int = typer.Option(7, "--seed", help="Same seed, same data."),
         as_of: Optional[str] = AS_OF) -> None:
    """Load realistic, deterministic demo data into an empty database. 载入演示数据。"""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from receivables.services.demo import load_demo
    from receivables.services.setup import initialise

    day = as_of_date(as_of)
    cli = state(ctx)
    runtime = cli.open(require_schema=False)
    initialise(runtime.engine, runtime.sessions, actor=cli.actor)
    with Progress(SpinnerColumn(), TextColumn("[bold]loading {task.description} demo"), BarColumn(),
                  TextColumn("{task.completed:,}/{task.total:,}"), TimeElapsedColumn(),
                  console=error_console(), disable=not sys.stderr.isatty(), transient=True) as bar:
        task = bar.add_task(size.value, total=None)
        summary = load_demo(runtime.sessions, size=size.value, seed=seed, as_of=day, actor=cli.actor,
                            progress=lambda done, total: bar.update(task, completed=done, total=total))
    console().print(f"demo data loaded ({size.value}, seed {seed}, as of {day}): {summary.companies} companies, "
                    f"{summary.debtors:,} debtors, {summary.contacts:,} contacts, {summary.contracts:,} contracts, "
                    f"{summary.receivables:,} receivables ({summary.open_receivables:,} open), "
                    f"{summary.payments:,} payments", markup=False, highlight=False)


