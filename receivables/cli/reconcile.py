"""`receivables reconcile match`: our ledger against the debtor's own."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer

from receivables.cli.app import state
from receivables.cli.options import AS_OF, as_of_date
from receivables.cli.output import OutputFormat, console, error_console, print_json, print_table
from receivables.domain.matching import ZERO, LedgerLine

if TYPE_CHECKING:
    from receivables.services.reconcile import MatchRun

# Services and storage are imported inside the command (see the start-up rule in cli/app.py).

reconcile_app = typer.Typer(help="Match a debtor's own ledger against ours. 往来对账。", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Adds this module's commands to the root command."""
    app.add_typer(reconcile_app, name="reconcile")


@reconcile_app.command("match")
def reconcile_match(
    ctx: typer.Context,
    their_file: Path = typer.Argument(..., metavar="THEIR_FILE",
                                      help="The debtor's accounts-payable ledger, CSV or XLSX. 对方应付账款明细账。"),
    debtor: str = typer.Option(..., "--debtor", help="Debtor code. 客户编码。"),
    map_file: Optional[Path] = typer.Option(None, "--map", metavar="MAP.yaml",
                                            help="Column names, sign, date format, rows to skip. 列映射文件。"),
    out: Optional[Path] = typer.Option(None, "--out", metavar="REPORT.xlsx",
                                       help="Write the reconciliation workbook for the debtor. 对账结果表。"),
    as_of: Optional[str] = AS_OF,
    window: int = typer.Option(7, "--window", metavar="DAYS",
                               help="Days two equal amounts may lie apart and still match. 日期容差（天）。"),
    currency: Optional[str] = typer.Option(None, "--currency", help="Currency when the debtor has several. 币种。"),
    output_format: OutputFormat = typer.Option(OutputFormat.table, "--format"),
) -> None:
    """Match THEIR_FILE against our ledger: by document number, by amount within the date window, then one
    line against several. Shows both balances and the lines that explain the difference.
    按单号、金额与日期、拆分合并三步核对，列出差异。"""
    from receivables.services.reconcile import match_debtor_ledger
    from receivables.storage.database import unit_of_work

    day = as_of_date(as_of)
    cli = state(ctx)
    runtime = cli.open()
    busy = error_console().status("matching 核对中…") if sys.stderr.isatty() else contextlib.nullcontext()
    with busy, unit_of_work(runtime.sessions) as session:
        run = match_debtor_ledger(session, debtor, their_file, as_of=day, actor=cli.actor, map_file=map_file,
                                  window_days=window, currency=currency, report=out)
    if output_format is OutputFormat.json:
        print_json(as_json(run))
        return
    _print_run(run, out)


def _line(line: LedgerLine) -> dict[str, Any]:
    return {"date": line.on, "document": line.document, "amount": line.amount, "kind": line.kind,
            "source": line.source, "description": line.description}


def as_json(run: MatchRun) -> dict[str, Any]:
    """Exactly the keys of the issue; amounts as two-decimal strings, lines with date, document and source."""
    result = run.result
    return {
        "our_balance": result.our_balance,
        "their_balance": result.their_balance,
        "difference": result.difference,
        "explained": result.explained,
        "matched": len(result.matched),
        "only_ours": [_line(x) for x in result.only_ours],
        "only_theirs": [_line(x) for x in result.only_theirs],
        "differences": [{"document": (d.ours + d.theirs)[0].document, "ours": d.our_amount,
                         "theirs": d.their_amount, "difference": d.difference,
                         "our_lines": [x.source for x in d.ours], "their_lines": [x.source for x in d.theirs]}
                        for d in result.differences],
    }


def _print_run(run: MatchRun, out: Optional[Path]) -> None:
    result = run.result
    say = console()
    say.print(f"{run.debtor_code} {run.debtor_name} · {run.currency} · as of {run.as_of.isoformat()} · "
              f"{run.their_file}", highlight=False, markup=False)
    print_table("Balances 余额", ["", "amount"], [
        ("ours 我方", result.our_balance), ("theirs 对方", result.their_balance),
        ("difference 差额", result.difference), ("only ours 仅我方", sum((x.amount for x in result.only_ours), ZERO)),
        ("only theirs 仅对方", -sum((x.amount for x in result.only_theirs), ZERO)),
        ("differences 金额差异", sum((d.difference for d in result.differences), ZERO)),
    ], right_align=(1,))
    for title, lines in (("Only in ours 仅我方", result.only_ours), ("Only in theirs 仅对方", result.only_theirs)):
        if lines:
            print_table(title, ["date", "document", "kind", "amount", "source"],
                        [(x.on, x.document, x.kind, x.amount, x.source) for x in lines], right_align=(3,))
    if result.differences:
        print_table("Amount differences 金额差异", ["document", "ours", "theirs", "difference"],
                    [((d.ours + d.theirs)[0].document, d.our_amount, d.their_amount, d.difference)
                     for d in result.differences], right_align=(1, 2, 3))
    verdict = "explained 已解释" if result.explained else "NOT explained 未能解释"
    say.print(f"matched {len(result.matched)} groups; difference {verdict}"
              + (f"; report written to {out}" if out else ""), highlight=False, markup=False)
