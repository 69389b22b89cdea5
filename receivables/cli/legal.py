"""`receivables legal`, `limitation`, `letters deliver`, law firms: claims kept alive and lawyer letters."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from receivables.cli.app import state
from receivables.cli.options import AS_OF, as_of_date
from receivables.cli.output import (
    OutputFormat,
    console,
    error_console,
    fail,
    json_text,
    print_json,
    print_table,
)
from receivables.domain.calendar import ScheduleError
from receivables.domain.dates import parse_date
from receivables.domain.delivery import CHANNELS
from receivables.domain.limitation import NOT_LEGAL_ADVICE
from receivables.storage.blobs import BlobStore
from receivables.storage.database import unit_of_work

legal_app = typer.Typer(help="Legal: law firms, lawyer letters, cases, evidence bundles. 法务。", no_args_is_help=True)
firm_app = typer.Typer(help="Law-firm profiles used on lawyer letters. 律师事务所。", no_args_is_help=True)
event_app = typer.Typer(help="Events that interrupt limitation, recorded by hand. 诉讼时效事件。", no_args_is_help=True)

MAX_PROOF_BYTES = 50 * 1024 * 1024


def register(app: typer.Typer) -> None:
    """Adds this module's commands to the root command (the `legal` group is shared with cli/cases.py)."""
    from receivables.cli.letters import letters_app

    app.add_typer(legal_app, name="legal")
    legal_app.add_typer(firm_app, name="firm")
    legal_app.add_typer(event_app, name="event")
    legal_app.command("lawyer-letter")(lawyer_letter)
    app.command("limitation")(limitation_listing)
    letters_app.command("deliver")(deliver)
    letters_app.command("deliveries")(deliveries)


def _day(value: str, option: str) -> Any:
    try:
        return parse_date(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{option}: {exc}") from None


# --- receivables limitation ------------------------------------------------------------------------


def limitation_listing(
    ctx: typer.Context,
    as_of: str | None = AS_OF,
    within: int | None = typer.Option(None, "--within", min=0, help="Only items whose period ends within DAYS "
                                         "(expired items included: they need the debtor's agreement to pay)."),
    debtor: str | None = typer.Option(None, "--debtor", help="One debtor's items only."),
    output_format: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table or json."),
) -> None:
    """Open items by limitation expiry, with the rule, the events and the assumptions (诉讼时效). Not legal advice."""
    from receivables.services.legal import item_limitations, rest_days_of, rule_summary, set_by

    day = as_of_date(as_of)
    cli = state(ctx)
    runtime = cli.open()
    try:
        calendar = rest_days_of(cli.settings)
    except ScheduleError as exc:
        fail(str(exc))
    show = output_format is OutputFormat.table and sys.stderr.isatty()
    with Progress(*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=error_console(), disable=not show, transient=True) as bar:
        task = bar.add_task("limitation per item", total=None)
        with runtime.sessions() as session:
            lines = item_limitations(session, day, calendar, debtor_code=debtor,
                                     progress=lambda done, total: bar.update(task, completed=done, total=total))
    if within is not None:
        lines = [line for line in lines if line.days_left <= within]
    rules = rule_summary([line.jurisdiction for line in lines])
    if output_format is OutputFormat.json:
        _write_json({"as_of": day, "rules": rules, "rest_days": calendar.setting(),
                     "not_legal_advice": NOT_LEGAL_ADVICE}, lines, set_by)
        return
    print_table(f"Limitation on {day}" + (f", expiring within {within} days" if within is not None else ""),
                ["expires on", "days left", "band", "debtor", "item", "open", "ccy", "runs from", "events"],
                [(line.expires_on, line.days_left, "expired" if line.expired else (line.band or ""),
                  line.debtor_code, line.receivable_number, line.open_amount, line.currency,
                  "{} {}".format(*set_by(line.result)), _events_text(line)) for line in lines],
                right_align=(1, 5))
    out = console()
    for rule in rules:
        out.print(f"Rule: {rule}", highlight=False, markup=False)
    out.print(calendar.setting(), highlight=False, markup=False)
    out.print("Assumptions: the period runs from the due date (the creditor knew of the harm and the debtor then); "
              "a demand counts only from its evidenced delivery; events are taken from the records shown; the "
              "earlier, creditor-safe date is used. `receivables calc limitation` shows one item's full reasoning.",
              highlight=False, markup=False)
    waived = [line for line in lines if line.result.waiver is not None]
    for line in waived:
        out.print(f"Waiver: {line.debtor_code} {line.receivable_number}: {line.result.waiver.reason}",  # type: ignore[union-attr]
                  highlight=False, markup=False)
    out.print(NOT_LEGAL_ADVICE, highlight=False)


def _events_text(line: Any) -> str:
    applied = {(event.kind, event.date) for event in line.result.events_applied}
    return "; ".join(f"{s.kind} {s.date} ({s.source})" + ("" if (s.kind, s.date) in applied else " ignored")
                     for s in line.sources)


def _item_document(line: Any, runs_from: tuple[str, Any]) -> dict[str, Any]:
    result = line.result
    return {
        "debtor": line.debtor_code, "debtor_name": line.debtor_name, "receivable": line.receivable_number,
        "open_amount": line.open_amount, "currency": line.currency, "due_date": line.due_date,
        "jurisdiction": line.jurisdiction, "expires_on": line.expires_on, "days_left": line.days_left,
        "band": line.band, "expired": line.expired,
        "runs_from": {"kind": runs_from[0], "date": runs_from[1]},
        "basis": {"kind": result.basis.kind, "date": result.basis.date},
        "events_applied": [{"kind": e.kind, "date": e.date, "effect": e.effect, "expires_on": e.expires_on}
                           for e in result.events_applied],
        "events_ignored": [{"kind": e.kind, "date": e.date, "reason": e.reason} for e in result.events_ignored],
        "sources": [{"kind": s.kind, "date": s.date, "source": s.source} for s in line.sources],
        "long_stop": result.long_stop,
        "waiver": None if result.waiver is None else {"date": result.waiver.date, "reason": result.waiver.reason},
        "assumptions": list(result.assumptions),
    }


_WRITE_EVERY = 2000


def _write_json(head: dict[str, Any], lines: list[Any], set_by: Callable[[Any], tuple[str, Any]]) -> None:
    """`print_json({**head, "items": documents})`, byte for byte, written a few thousand items at a time: a
    listing of 300,000 items is some 430 MB of JSON, too much to build as one string (2.4 GB at the peak)."""
    if sys.stdout.isatty():  # indented for a person: a terminal does not take 430 MB anyway
        print_json({**head, "items": [_item_document(line, set_by(line.result)) for line in lines]})
        return
    out = sys.stdout
    out.write(json_text(head, pretty=False)[:-1] + ',"items":[')
    for start in range(0, len(lines), _WRITE_EVERY):
        documents = [_item_document(line, set_by(line.result)) for line in lines[start:start + _WRITE_EVERY]]
        out.write(("," if start else "") + json_text(documents, pretty=False)[1:-1])
    out.write("]}\n")


# --- receivables letters deliver / deliveries ----------------------------------------------------------


def deliver(
    ctx: typer.Context,
    letter: str = typer.Argument(..., metavar="LETTER_NUMBER", help="The letter's number, e.g. 〔2026〕催字第0007号."),
    delivered_on: str = typer.Option(..., "--delivered-on", help="The day it arrived (signed for, delivered)."),
    sent_on: str | None = typer.Option(None, "--sent-on", help="The day it was sent (default: the recorded send, "
                                          "else the letter's date)."),
    channel: str | None = typer.Option(None, "--channel", help=f"One of {', '.join(CHANNELS)}."),
    proof: Path | None = typer.Option(None, "--proof", help="Signed receipt scan, courier or post-office delivery "
                                         "record, e-mail delivery record: a PDF or an image."),
    tracking: str | None = typer.Option(None, "--tracking", help="Tracking number of the registered mail or "
                                           "courier."),
    signed_by: str | None = typer.Option(None, "--signed-by", help="Who signed for it."),
    as_of: str | None = AS_OF,
    output_format: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table or json."),
) -> None:
    """Record a letter's delivery and its proof (送达证据). Only evidenced delivery of a demand interrupts
    limitation; sending alone does not."""
    from receivables.services.deliveries import Proof, record_delivery

    today = as_of_date(as_of)
    delivered = _day(delivered_on, "--delivered-on")
    sent = _day(sent_on, "--sent-on") if sent_on else None
    evidence = None
    if proof is not None:
        if not proof.is_file():
            fail(f"proof {proof}: no such file")
        if proof.stat().st_size > MAX_PROOF_BYTES:
            fail(f"proof {proof}: larger than {MAX_PROOF_BYTES // (1024 * 1024)} MB")
        evidence = Proof(proof.name, proof.read_bytes())
    cli = state(ctx)
    runtime = cli.open()
    with unit_of_work(runtime.sessions) as session:
        outcome = record_delivery(session, letter_number=letter, delivered_on=delivered, as_of=today, actor=cli.actor,
                                  blobs=BlobStore(cli.settings.blob_dir), sent_on=sent, channel=channel,
                                  proof=evidence, tracking_number=tracking, signed_by=signed_by)
    fact = outcome.fact
    if output_format is OutputFormat.json:
        print_json({"delivery": fact, "limitation_events": list(outcome.events), "note": outcome.note,
                    "not_legal_advice": NOT_LEGAL_ADVICE})
        return
    out = console()
    out.print(f"{fact.letter}: delivered {fact.delivered_on} by {fact.channel}"
              + (f", proof sha256 {fact.proof_sha256} ({fact.proof_media_type})" if fact.proof_sha256 else ""),
              highlight=False, markup=False)
    out.print(outcome.note + (f": {', '.join(outcome.events)}" if outcome.events else ""), highlight=False,
              markup=False)
    out.print(NOT_LEGAL_ADVICE, highlight=False)


def deliveries(
    ctx: typer.Context,
    letter: str = typer.Argument(..., metavar="LETTER_NUMBER"),
    output_format: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table or json."),
) -> None:
    """The delivery facts recorded for a letter, whether each is evidence, and the limitation events they made."""
    from receivables.services.deliveries import deliveries as load

    runtime = state(ctx).open()
    with runtime.sessions() as session:
        found, facts, events = load(session, letter)
        event_rows = [{"id": e.id, "kind": e.kind, "occurred_on": e.occurred_on, "receivable_id": e.receivable_id,
                       "source": e.source, "note": e.note} for e in events]
        kind, letter_date = found.template_kind, found.letter_date
    if output_format is OutputFormat.json:
        print_json({"letter": letter, "kind": kind, "letter_date": letter_date, "deliveries": facts,
                    "limitation_events": event_rows})
        return
    print_table(f"Deliveries of {letter} ({kind}, dated {letter_date})",
                ["#", "channel", "sent", "delivered", "tracking", "signed by", "proof sha256", "evidence"],
                [(f.id, f.channel, f.sent_at.date() if f.sent_at else "", f.delivered_on, f.tracking_number,
                  f.signed_by, f.proof_sha256, ("yes: " if f.evidenced else "no: ") + f.evidence) for f in facts])
    if event_rows:
        print_table("Limitation events", ["kind", "date", "source", "note"],
                    [(e["kind"], e["occurred_on"], e["source"], e["note"]) for e in event_rows])


# --- receivables legal event add ---------------------------------------------------------------------


@event_app.command("add")
def event_add(
    ctx: typer.Context,
    debtor: str = typer.Argument(..., metavar="CODE", help="The debtor's code."),
    kind: str = typer.Argument(..., metavar="KIND", help="acknowledgment, agreement_to_pay, part_payment, "
                               "legal_action, demand (CN; say what evidences it)."),
    occurred_on: str = typer.Argument(..., metavar="DATE", help="The day it happened."),
    item: str | None = typer.Option(None, "--item", help="One item's number (default: the whole debt)."),
    note: str | None = typer.Option(None, "--note", help="What evidences it (signed promise, plan no. ...)."),
    as_of: str | None = AS_OF,
) -> None:
    """Record an event that interrupts limitation: a written promise, a repayment plan, an agreement to pay."""
    from receivables.services.deliveries import add_event

    today = as_of_date(as_of)
    day = _day(occurred_on, "DATE")
    cli = state(ctx)
    with unit_of_work(cli.open().sessions) as session:
        event = add_event(session, debtor_code=debtor, kind=kind.strip().lower(), occurred_on=day, as_of=today,
                          actor=cli.actor, item_number=item, note=note)
    console().print(f"recorded {event.kind} on {event.occurred_on} for {event.debtor} "
                    f"{event.item or '(whole debt)'} (event {event.id}; {'/'.join(event.jurisdictions)} law)",
                    highlight=False, markup=False)


# --- receivables legal firm add | list | edit --------------------------------------------------------------


def _firm_options(address: str | None, lawyer: str | None, licence: str | None, phone: str | None,
                  email: str | None) -> dict[str, str | None]:
    return {"address": address, "lawyer": lawyer, "licence_number": licence, "phone": phone, "email": email}


ADDRESS = typer.Option(None, "--address", help="The firm's address.")
LAWYER = typer.Option(None, "--lawyer", help="The lawyer who signs.")
LICENCE = typer.Option(None, "--licence", help="The lawyer's licence number (执业证号).")
PHONE = typer.Option(None, "--phone")
EMAIL = typer.Option(None, "--email")


@firm_app.command("add")
def firm_add(ctx: typer.Context, name: str = typer.Argument(..., help="The firm's name."),
             address: str | None = ADDRESS, lawyer: str | None = LAWYER, licence: str | None = LICENCE,
             phone: str | None = PHONE, email: str | None = EMAIL) -> None:
    """Add a law firm (firm, address, lawyer, licence number, phone, e-mail). 添加律所。"""
    from receivables.services.lawyer_letters import add_firm

    cli = state(ctx)
    with unit_of_work(cli.open().sessions) as session:
        firm = add_firm(session, name, actor=cli.actor, **_firm_options(address, lawyer, licence, phone, email))
    console().print(f"added law firm {firm.name}", highlight=False, markup=False)


@firm_app.command("edit")
def firm_edit(ctx: typer.Context, name: str = typer.Argument(..., help="The firm's name."),
              address: str | None = ADDRESS, lawyer: str | None = LAWYER, licence: str | None = LICENCE,
              phone: str | None = PHONE, email: str | None = EMAIL,
              active: bool | None = typer.Option(None, "--active/--retired", help="Retire a firm from new "
                                                    "letters, or bring it back.")) -> None:
    """Change a law firm's details (an empty value clears one). 修改律所。"""
    from receivables.services.lawyer_letters import edit_firm

    cli = state(ctx)
    with unit_of_work(cli.open().sessions) as session:
        firm = edit_firm(session, name, actor=cli.actor, active=active,
                         **_firm_options(address, lawyer, licence, phone, email))
    console().print(f"changed law firm {firm.name}", highlight=False, markup=False)


@firm_app.command("list")
def firm_list(ctx: typer.Context,
              output_format: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table or json.")) -> None:
    """The law firms on record. 律所列表。"""
    from receivables.services.lawyer_letters import list_firms

    with state(ctx).open().sessions() as session:
        firms = list_firms(session)
    if output_format is OutputFormat.json:
        print_json(firms)
        return
    print_table("Law firms", ["name", "lawyer", "licence", "phone", "e-mail", "address", "active"],
                [(f.name, f.lawyer, f.licence_number, f.phone, f.email, f.address, "yes" if f.active else "retired")
                 for f in firms])


# --- receivables legal lawyer-letter ---------------------------------------------------------------------


def lawyer_letter(
    ctx: typer.Context,
    debtor: str = typer.Argument(..., metavar="CODE", help="The debtor's code."),
    firm: str = typer.Option(..., "--firm", help="The law firm (see `receivables legal firm list`)."),
    deadline_days: int = typer.Option(7, "--deadline-days", min=1, max=90, help="Days after the letter date."),
    as_of: str | None = AS_OF,
    locale: str = typer.Option("zh_CN", "--locale", help="zh_CN or en."),
    interest_rule: str | None = typer.Option(None, "--interest-rule", help="daily:0.0005, annual:6%, lpr:1.5 ... "
                                                "(default: the contract's rule, else the company's default; none: "
                                                "no interest is claimed)."),
    fee: list[str] = typer.Option([], "--fee", help="DESCRIPTION:AMOUNT, repeatable: only fees the contract lets "
                                  "the creditor claim (e.g. 'Lawyer fee (clause 12):5000')."),
    clause: list[str] = typer.Option([], "--clause", help="A contract clause relied on, repeatable."),
    company: str | None = typer.Option(None, "--company", help="Creditor company (default: the default one)."),
    currency: str | None = typer.Option(None, "--currency", help="Needed when the debtor owes in several."),
    formats: str = typer.Option("pdf,docx", "--format", help="pdf, docx or pdf,docx."),
    out: Path | None = typer.Option(None, "--out", help="Also copy the files into this folder."),
) -> None:
    """Issue a lawyer letter (律师函): legal role only; claims, interest table, statutes, deadline."""
    import shutil

    from receivables.cli.letters_issue import safe_file_name
    from receivables.services.lawyer_letters import issue_lawyer_letter, parse_fee
    from receivables.services.letters import catalog_for

    day = as_of_date(as_of)
    wanted = tuple(f.strip() for f in formats.split(",") if f.strip())
    if not wanted:
        fail("--format needs pdf, docx or both")
    fees = [parse_fee(text) for text in fee]
    cli = state(ctx)
    runtime = cli.open()
    blobs = BlobStore(cli.settings.blob_dir)
    with unit_of_work(runtime.sessions) as session:
        issued = issue_lawyer_letter(
            session, debtor_code=debtor, firm_name=firm, as_of=day, locale=locale, actor=cli.actor,
            catalog=catalog_for(cli.settings.user_templates_dir), blobs=blobs,
            user_templates=cli.settings.user_templates_dir, formats=wanted, deadline_days=deadline_days,
            interest_rule=interest_rule, fees=fees, clauses=clause, company=company, currency=currency)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        for fmt, path in issued.paths.items():
            shutil.copyfile(path, out / f"{safe_file_name(issued.number)}_{safe_file_name(issued.debtor)}.{fmt}")
    console().print(f"{issued.number}  {issued.debtor}  " + "  ".join(
        f"{fmt} sha256 {sha}" for fmt, sha in issued.files.items()), markup=False, highlight=False)
    for warning in issued.warnings:
        error_console().print(f"warning: {warning}", markup=False, highlight=False)
    console().print("Record its delivery with `receivables letters deliver`: only evidenced delivery interrupts "
                    f"limitation. {NOT_LEGAL_ADVICE}", markup=False, highlight=False)
