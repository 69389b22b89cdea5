"""`receivables legal case ...` and `legal bundle`: hand-off to law firms, stages, recoveries, evidence."""

from __future__ import annotations

import os
import sys
import tempfile
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from receivables.cli.app import state
from receivables.cli.options import AS_OF, as_of_date
from receivables.cli.output import OutputFormat, console, error_console, fail, print_json, print_table
from receivables.domain.dates import parse_date
from receivables.storage.blobs import BlobStore
from receivables.storage.database import unit_of_work

case_app = typer.Typer(help="Cases handed to a law firm or collection agency. 委托案件。", no_args_is_help=True)
credit_app = typer.Typer(help="Debtor credit events: lawsuits against them, asset transfers, management change, "
                         "dissolution. 信用事件。", no_args_is_help=True)

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
FORMAT = typer.Option(OutputFormat.table, "--format", help="table or json.")


def register(app: typer.Typer) -> None:
    """Adds this module's commands to the shared `legal` group (created by cli/legal.py)."""
    from receivables.cli.legal import legal_app

    legal_app.add_typer(case_app, name="case")
    legal_app.add_typer(credit_app, name="credit-event")
    legal_app.command("enforcement-interest")(enforcement_interest)
    legal_app.command("bundle")(bundle)


def _day(value: str, option: str) -> Any:
    try:
        return parse_date(value)
    except ValueError as exc:
        fail(f"{option}: {exc}")


def _decimal(value: str, option: str) -> Decimal:
    raw = value.strip().replace(",", "")
    scale = Decimal(1)
    if raw.endswith("%"):
        raw, scale = raw[:-1].strip(), Decimal("0.01")
    try:
        number = Decimal(raw) * scale
    except InvalidOperation:
        fail(f"{option}: not a number: {value!r}")
    if not number.is_finite():
        fail(f"{option}: not a number: {value!r}")
    return number


def _amount(value: str, option: str) -> Decimal:
    from receivables.domain.money import parse_amount

    try:
        return parse_amount(value)
    except ValueError as exc:
        fail(f"{option}: {exc}")


def _rate_text(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


# --- legal case open | stage | recover | list | show --------------------------------------------------------------


@case_app.command("open")
def case_open(
    ctx: typer.Context,
    debtor: str = typer.Argument(..., metavar="CODE", help="The debtor's code."),
    firm: str = typer.Option(..., "--firm", help="The law firm or collection agency (a law-firm profile's name "
                             "links the case to it)."),
    kind: str = typer.Option("law_firm", "--kind", help="law_firm or agency."),
    commission_rate: str = typer.Option(..., "--commission", help="Commission on each recovery: 0.15 or 15%."),
    item: list[str] = typer.Option([], "--item", help="An item to hand over, repeatable (default: every open item)."),
    on: str | None = typer.Option(None, "--on", help="The hand-off date (default: today)."),
    note: str | None = typer.Option(None, "--note"),
    as_of: str | None = AS_OF,
) -> None:
    """Hand a debtor (all or chosen items) to a law firm or agency with a commission rate. 委托律所/催收机构。"""
    from receivables.services.cases import open_case

    today = as_of_date(as_of)
    opened = _day(on, "--on") if on else today
    rate = _decimal(commission_rate, "--commission")
    cli = state(ctx)
    with unit_of_work(cli.open().sessions) as session:
        line = open_case(session, debtor_code=debtor, agent_name=firm, agent_kind=kind.strip().lower(),
                         commission_rate=rate, opened_on=opened, as_of=today, actor=cli.actor, item_numbers=item,
                         note=note)
    console().print(f"case {line.id}: {line.debtor} handed to {line.agent_name} ({line.agent_kind}) on "
                    f"{line.opened_on}, {line.referred} {line.currency} referred, commission "
                    f"{_rate_text(line.commission_rate)}", highlight=False, markup=False)


@case_app.command("stage")
def case_stage(
    ctx: typer.Context,
    case: int = typer.Argument(..., metavar="CASE", help="The case number (see `legal case list`)."),
    stage: str = typer.Argument(..., metavar="STAGE", help="pre_litigation_mediation, payment_order, suit_filed, "
                                "judgment, enforcement, closed; or preservation (asset preservation, any open "
                                "stage)."),
    on: str = typer.Option(..., "--on", help="The day it happened."),
    court: str | None = typer.Option(None, "--court", help="The court (payment order, suit, judgment, "
                                        "enforcement)."),
    case_number: str | None = typer.Option(None, "--case-number", help="The court's case number (案号)."),
    outcome: str | None = typer.Option(None, "--outcome", help="When closing: recovered, settled or written_off."),
    document: list[Path] = typer.Option([], "--document", help="A document of the stage (PDF or image), "
                                        "repeatable: complaint, payment order, judgment, ruling."),
    note: str | None = typer.Option(None, "--note"),
    as_of: str | None = AS_OF,
) -> None:
    """Record a case's next stage with its date, court details and documents. 记录案件阶段。

    A payment order, a suit, enforcement or asset preservation interrupts limitation for the case's items."""
    from receivables.services.cases import CaseDocument, record_stage

    today = as_of_date(as_of)
    day = _day(on, "--on")
    files = []
    for path in document:
        if not path.is_file():
            fail(f"document {path}: no such file")
        if path.stat().st_size > MAX_DOCUMENT_BYTES:
            fail(f"document {path}: larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB")
        files.append(CaseDocument(path.name, path.read_bytes()))
    cli = state(ctx)
    with unit_of_work(cli.open().sessions) as session:
        outcome_ = record_stage(session, case_id=case, step=stage.strip().lower(), occurred_on=day, as_of=today,
                                actor=cli.actor, blobs=BlobStore(cli.settings.blob_dir), court=court,
                                case_number=case_number, outcome=outcome.strip().lower() if outcome else None,
                                note=note, documents=files)
    out = console()
    out.print(f"case {case}: {outcome_.step} on {day}" + ("" if outcome_.moved else f" (stage stays {outcome_.stage})"),
              highlight=False, markup=False)
    for stored in outcome_.documents:
        out.print(f"  document {stored.name} sha256 {stored.sha256}", highlight=False, markup=False)
    if outcome_.limitation_events:
        out.print(f"  limitation interrupted (legal action) for {outcome_.limitation_events} item(s)", highlight=False,
                  markup=False)


@case_app.command("recover")
def case_recover(
    ctx: typer.Context,
    case: int = typer.Argument(..., metavar="CASE"),
    amount: str = typer.Option(..., "--amount", help="The amount recovered."),
    on: str = typer.Option(..., "--on", help="The day it was received."),
    reference: str | None = typer.Option(None, "--reference", help="The payment's reference (default "
                                            "CASE<n>-R<k>)."),
    as_of: str | None = AS_OF,
) -> None:
    """Record money recovered through the case: a payment applied to its items, with the commission. 回款。"""
    from receivables.services.cases import record_recovery

    today = as_of_date(as_of)
    value = _amount(amount, "--amount")
    day = _day(on, "--on")
    cli = state(ctx)
    with unit_of_work(cli.open().sessions) as session:
        line = record_recovery(session, case_id=case, amount=value, received_on=day, as_of=today, actor=cli.actor,
                               reference=reference)
    applied = ", ".join(f"{number} {part}" for number, part in line.applied)
    console().print(f"case {case}: recovered {line.amount} on {line.received_on} as payment {line.reference} "
                    f"(applied: {applied}); commission {line.commission} at {_rate_text(line.commission_rate)}",
                    highlight=False, markup=False)


@case_app.command("list")
def case_list(
    ctx: typer.Context,
    debtor: str | None = typer.Option(None, "--debtor", help="One debtor's cases."),
    open_only: bool = typer.Option(False, "--open", help="Only cases not closed."),
    output_format: OutputFormat = FORMAT,
) -> None:
    """The cases: stage, referred, recovered, commission, still open. 案件列表。"""
    from receivables.services.cases import list_cases

    with state(ctx).open().sessions() as session:
        lines = list_cases(session, debtor_code=debtor, open_only=open_only)
    if output_format is OutputFormat.json:
        print_json([_case_document(line) for line in lines])
        return
    print_table("Cases", ["case", "debtor", "agent", "kind", "stage", "since", "outcome", "referred", "recovered",
                          "commission", "open now", "ccy"],
                [(c.id, c.debtor, c.agent_name, c.agent_kind, c.stage, c.stage_on, c.outcome, c.referred, c.recovered,
                  c.commission, c.open_now, c.currency) for c in lines], right_align=(7, 8, 9, 10))


def _case_document(line: Any) -> dict[str, Any]:
    document = {name: getattr(line, name) for name in line.__dataclass_fields__}
    document["commission_rate"] = format(line.commission_rate.normalize(), "f")
    return document


@case_app.command("show")
def case_show(ctx: typer.Context, case: int = typer.Argument(..., metavar="CASE"),
              output_format: OutputFormat = FORMAT) -> None:
    """One case: items, stages with documents, recoveries with commissions. 案件详情。"""
    from receivables.services.cases import case_detail

    with state(ctx).open().sessions() as session:
        detail = case_detail(session, case)
    line = detail.case
    if output_format is OutputFormat.json:
        print_json({"case": _case_document(line), "items": detail.items, "stages": detail.stages,
                    "recoveries": [{**{n: getattr(r, n) for n in r.__dataclass_fields__},
                                    "commission_rate": format(r.commission_rate.normalize(), "f")}
                                   for r in detail.recoveries]})
        return
    out = console()
    out.print(f"Case {line.id}: {line.debtor} {line.debtor_name} — {line.agent_name} ({line.agent_kind}), commission "
              f"{_rate_text(line.commission_rate)}; stage {line.stage} since {line.stage_on}"
              + (f" ({line.outcome})" if line.outcome else "")
              + (f"; {line.court} {line.case_number or ''}" if line.court else ""), highlight=False, markup=False)
    print_table("Items", ["item", "due", "referred", "open now"],
                [(i.number, i.due_date, i.referred_amount, i.open_now) for i in detail.items], right_align=(2, 3))
    print_table("Stages", ["date", "stage", "court", "case number", "outcome", "note", "documents (sha256)"],
                [(s.occurred_on, s.stage, s.court, s.case_number, s.outcome, s.note,
                  "; ".join(f"{d.name} {d.sha256}" for d in s.documents)) for s in detail.stages])
    print_table("Recoveries", ["date", "reference", "amount", "rate", "commission", "applied to"],
                [(r.received_on, r.reference, r.amount, _rate_text(r.commission_rate), r.commission,
                  ", ".join(f"{n} {a}" for n, a in r.applied)) for r in detail.recoveries], right_align=(2, 4))


# --- legal credit-event add | list --------------------------------------------------------------------------------


@credit_app.command("add")
def credit_event_add(
    ctx: typer.Context,
    debtor: str = typer.Argument(..., metavar="CODE"),
    kind: str = typer.Argument(..., metavar="KIND", help="lawsuit, asset_transfer, management_change, dissolution, "
                               "enforcement_listing, other."),
    occurred_on: str = typer.Argument(..., metavar="DATE"),
    source: str = typer.Option(..., "--source", help="Where it was learned (court notice, credit report, news)."),
    note: str | None = typer.Option(None, "--note"),
    as_of: str | None = AS_OF,
) -> None:
    """Record a debtor credit event; it raises the debtor's risk flag. 记录信用事件。"""
    from receivables.services.cases import add_credit_event

    today = as_of_date(as_of)
    day = _day(occurred_on, "DATE")
    cli = state(ctx)
    with unit_of_work(cli.open().sessions) as session:
        event = add_credit_event(session, debtor_code=debtor, kind=kind.strip().lower(), occurred_on=day,
                                 source=source, note=note, as_of=today, actor=cli.actor)
    console().print(f"recorded {event.kind} on {event.occurred_on} for {event.debtor} (event {event.id}); "
                    "risk flag raised", highlight=False, markup=False)


@credit_app.command("list")
def credit_event_list(ctx: typer.Context, debtor: str | None = typer.Option(None, "--debtor"),
                      output_format: OutputFormat = FORMAT) -> None:
    """Debtor credit events, newest first. 信用事件列表。"""
    from receivables.services.cases import credit_events

    with state(ctx).open().sessions() as session:
        events = credit_events(session, debtor_code=debtor)
    if output_format is OutputFormat.json:
        print_json(events)
        return
    print_table("Credit events", ["date", "debtor", "kind", "source", "note", "by"],
                [(e.occurred_on, e.debtor, e.kind, e.source, e.note, e.recorded_by) for e in events])


# --- legal enforcement-interest -------------------------------------------------------------------------------------


def enforcement_interest(
    debt: str = typer.Option(..., "--debt", help="The money the judgment orders paid, without ordinary interest."),
    period_end: str = typer.Option(..., "--from", help="The last day of the performance period the judgment set."),
    paid_on: str = typer.Option(..., "--to", help="The day of payment (or of the calculation)."),
    payment: list[str] = typer.Option([], "--payment", help="A part payment DATE:AMOUNT, repeatable."),
    output_format: OutputFormat = FORMAT,
) -> None:
    """Double interest for delayed performance of a judgment (加倍部分债务利息): debt x 0.0175% a day."""
    from receivables.domain.cases import CaseError, DelayPayment
    from receivables.domain.cases import enforcement_interest as compute
    from receivables.domain.interest import InterestError, parse_payment

    try:
        parts = [parse_payment(text) for text in payment]
        result = compute(_amount(debt, "--debt"), _day(period_end, "--from"), _day(paid_on, "--to"),
                         [DelayPayment(p.on, p.amount) for p in parts])
    except (CaseError, InterestError) as exc:
        fail(str(exc))
    if output_format is OutputFormat.json:
        print_json({"debt": result.debt, "from": result.period_ended_on, "to": result.paid_on, "days": result.days,
                    "daily_rate": format(result.daily_rate, "f"), "total": result.total,
                    "segments": [{"after": s.after, "through": s.through, "days": s.days, "debt": s.debt,
                                  "amount": s.amount} for s in result.segments],
                    "rule": result.rule, "assumptions": list(result.assumptions)})
        return
    print_table(f"Double interest for delayed performance: {result.days} day(s), total {result.total}",
                ["after", "through", "days", "unpaid debt", "interest"],
                [(s.after, s.through, s.days, s.debt, s.amount) for s in result.segments], right_align=(2, 3, 4))
    out = console()
    out.print(f"Rule: {result.rule}", highlight=False, markup=False)
    for assumption in result.assumptions:
        out.print(f"- {assumption}", highlight=False, markup=False)


# --- legal bundle ---------------------------------------------------------------------------------------------------


def bundle(
    ctx: typer.Context,
    debtor: str = typer.Argument(..., metavar="CODE"),
    out: Path = typer.Option(..., "--out", help="The PDF to write."),
    force: bool = typer.Option(False, "--force", help="Replace an existing file."),
    interest_rule: str | None = typer.Option(None, "--interest-rule", help="daily:0.0005, annual:6%, lpr:1.5 ... "
                                                "(default: each item's contract rule, else the company's)."),
    as_of: str | None = AS_OF,
) -> None:
    """The evidence bundle of a debtor as one PDF (证据材料): contents, debtor, contracts, statement, letters
    with delivery proof, confirmations, interactions, interest, limitation, cases, file index with SHA-256."""
    from receivables.services.bundle import build_bundle
    from receivables.services.legal import rest_days_of

    day = as_of_date(as_of)
    if out.exists() and not force:
        fail(f"{out} exists: choose another --out or add --force to replace it")
    if not out.parent.is_dir():
        fail(f"{out.parent}: no such folder")
    cli = state(ctx)
    runtime = cli.open()
    calendar = rest_days_of(cli.settings)
    show = sys.stderr.isatty()
    with Progress(*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=error_console(), disable=not show, transient=True) as bar:
        task = bar.add_task("evidence bundle", total=None)
        with unit_of_work(runtime.sessions) as session:
            built = build_bundle(
                session, debtor_code=debtor, as_of=day, actor=cli.actor, blobs=BlobStore(cli.settings.blob_dir),
                interest_rule=interest_rule, rest_days=calendar,
                progress=lambda done, total, label: bar.update(task, completed=done, total=total,
                                                               description=label[:40]))
            _write(out, built.content)
    for warning in built.warnings:
        error_console().print(f"warning: {warning}", markup=False, highlight=False)
    console().print(f"{out}: {built.pages} pages, {len(built.files)} file(s) included, sha256 {built.sha256}",
                    highlight=False, markup=False)
    from receivables.services.bundle import NOT_LEGAL_ADVICE

    console().print(NOT_LEGAL_ADVICE, highlight=False, markup=False)


def _write(path: Path, content: bytes) -> None:
    """Write the whole file or nothing: a temporary file in the same folder, renamed into place."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
