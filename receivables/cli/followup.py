"""Follow-up commands: `interactions`, `promises`, `disputes` and `debtor timeline`."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Optional

import typer

from receivables.cli.app import state
from receivables.cli.options import AS_OF, as_of_date
from receivables.cli.output import OutputFormat, console, print_json, print_table
from receivables.domain.dates import parse_date
from receivables.domain.money import parse_amount

# Services and storage are imported inside each command (see the start-up rule in cli/app.py).

interactions_app = typer.Typer(help="Calls, visits, e-mails, letters, meetings, messages. 联络记录。",
                               no_args_is_help=True)
promises_app = typer.Typer(help="Promises to pay and whether they were kept. 付款承诺。", invoke_without_command=True)
disputes_app = typer.Typer(help="Disputed items, held out of dunning until resolved. 争议。",
                           invoke_without_command=True)


def register(app: typer.Typer) -> None:
    from receivables.cli.ledger import debtor_app

    app.add_typer(interactions_app, name="interactions")
    app.add_typer(promises_app, name="promises")
    app.add_typer(disputes_app, name="disputes")
    debtor_app.command("timeline")(debtor_timeline)


def _moment(value: Optional[str]) -> datetime:
    """`--at`: 2026-03-10 14:30 (or ISO); now when not given (the clock is read only here)."""
    if value is None or not value.strip():
        return datetime.now().replace(second=0, microsecond=0)
    try:
        return datetime.fromisoformat(value.strip().replace("/", "-"))
    except ValueError:
        raise typer.BadParameter(f"not a date and time: {value!r} (expected 2026-03-10 14:30)") from None


def _day(value: Optional[str], option: str) -> Optional[datetime]:
    if value is None:
        return None
    try:
        return datetime.combine(parse_date(value), datetime.min.time())
    except ValueError as exc:
        raise typer.BadParameter(f"{option}: {exc}") from None


def _amount(value: str, option: str) -> Decimal:
    try:
        return parse_amount(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{option}: {exc}") from None


@interactions_app.command("log")
def interactions_log(
    ctx: typer.Context, code: str = typer.Argument(..., help="Debtor code."),
    channel: str = typer.Option(..., "--channel", help="call, visit, email, letter, meeting or message."),
    summary: str = typer.Option(..., "--summary", help="What was said or done."),
    direction: str = typer.Option("outbound", "--direction", help="outbound (we reached out) or inbound."),
    contact: Optional[str] = typer.Option(None, "--contact", help="The contact's name (or #id)."),
    at: Optional[str] = typer.Option(None, "--at", help="When, e.g. '2026-03-10 14:30' (default now)."),
    outcome: Optional[str] = typer.Option(None, "--outcome"),
    next_step: Optional[str] = typer.Option(None, "--next-step"),
    next_step_on: Optional[str] = typer.Option(None, "--next-step-on", help="Date of the next step."),
    override_reason: Optional[str] = typer.Option(None, "--override-reason", help="Why an outbound contact outside "
                                                  "the allowed hours or limits is needed (recorded)."),
) -> None:
    """Record a contact with a debtor; outbound ones must respect the hygiene limits. 记录联络。"""
    from receivables.services import interactions
    from receivables.storage.database import unit_of_work

    moment = _moment(at)
    follow = _day(next_step_on, "--next-step-on")
    cli = state(ctx)
    runtime = cli.open()
    with unit_of_work(runtime.sessions) as session:
        view = interactions.log_interaction(
            session, code, channel=channel, direction=direction, at=moment, summary=summary, actor=cli.actor,
            contact=contact, outcome=outcome, next_step=next_step, next_step_on=follow.date() if follow else None,
            override_reason=override_reason)
    note = f" (override: {view.override_reason})" if view.override_reason else ""
    console().print(f"interaction #{view.id} logged for {view.debtor} at {view.occurred_at:%Y-%m-%d %H:%M}{note}",
                    markup=False)


@interactions_app.command("list")
def interactions_list(ctx: typer.Context, code: Optional[str] = typer.Argument(None, help="Debtor code."),
                      output_format: OutputFormat = typer.Option(OutputFormat.table, "--format")) -> None:
    """List interactions, oldest first. 联络记录列表。"""
    from receivables.services import interactions
    from receivables.storage.database import unit_of_work

    runtime = state(ctx).open()
    with unit_of_work(runtime.sessions) as session:
        views = interactions.list_interactions(session, code)
    if output_format is OutputFormat.json:
        print_json(views)
        return
    print_table("Interactions", ["#", "debtor", "at", "channel", "dir", "contact", "user", "summary", "outcome",
                                 "next step", "override"],
                [[v.id, v.debtor, f"{v.occurred_at:%Y-%m-%d %H:%M}", v.channel, v.direction, v.contact, v.user,
                  v.summary, v.outcome, f"{v.next_step or ''} {v.next_step_on or ''}".strip(), v.override_reason]
                 for v in views])


@promises_app.callback()
def promises_list(ctx: typer.Context,
                  due_by: Optional[str] = typer.Option(None, "--due-by", help="Only promises due on or before."),
                  status: Optional[str] = typer.Option(None, "--status",
                                                       help="kept, partly_kept, broken or pending."),
                  debtor: Optional[str] = typer.Option(None, "--debtor", help="Only this debtor."),
                  as_of: Optional[str] = AS_OF,
                  output_format: OutputFormat = typer.Option(OutputFormat.table, "--format")) -> None:
    """List promises to pay with their outcome (add one with `promises add`). 付款承诺。"""
    from receivables.services import promises
    from receivables.storage.database import unit_of_work

    if ctx.invoked_subcommand is not None:
        return
    day = as_of_date(as_of)
    until = _day(due_by, "--due-by")
    runtime = state(ctx).open()
    with unit_of_work(runtime.sessions) as session:
        views = promises.list_promises(session, day, code=debtor, due_by=until.date() if until else None,
                                       status=status)
    if output_format is OutputFormat.json:
        print_json(views)
        return
    print_table(f"Promises as of {day}", ["#", "debtor", "contact", "ccy", "amount", "promised", "made", "status",
                                          "paid"],
                [[v.id, v.debtor, v.contact, v.currency, v.amount, v.promised_on, v.made_on, v.status, v.paid]
                 for v in views], right_align=(4, 8))


@promises_app.command("add")
def promises_add(ctx: typer.Context, code: str = typer.Argument(..., help="Debtor code."),
                 amount: str = typer.Option(..., "--amount", help="The promised amount, e.g. 50,000.00."),
                 by: str = typer.Option(..., "--by", help="The promised payment date."),
                 currency: str = typer.Option("CNY", "--currency"),
                 contact: Optional[str] = typer.Option(None, "--contact", help="Who promised (name or #id)."),
                 note: Optional[str] = typer.Option(None, "--note"),
                 as_of: Optional[str] = typer.Option(None, "--on", help="When the promise was made (default today).")) -> None:
    """Record a promise to pay. 记录付款承诺。"""
    from receivables.services import promises
    from receivables.storage.database import unit_of_work

    day = as_of_date(as_of)
    promised = _day(by, "--by")
    assert promised is not None
    cli = state(ctx)
    runtime = cli.open()
    with unit_of_work(runtime.sessions) as session:
        view = promises.add_promise(session, code, amount=_amount(amount, "--amount"), promised_on=promised.date(),
                                    as_of=day, actor=cli.actor, currency=currency, contact=contact, note=note)
    console().print(f"promise #{view.id}: {view.debtor} to pay {view.currency} {view.amount:,.2f} by "
                    f"{view.promised_on}", markup=False)


@disputes_app.callback()
def disputes_list(ctx: typer.Context,
                  status: Optional[str] = typer.Option(None, "--status", help="open or resolved."),
                  debtor: Optional[str] = typer.Option(None, "--debtor", help="Only this debtor."),
                  as_of: Optional[str] = AS_OF,
                  output_format: OutputFormat = typer.Option(OutputFormat.table, "--format")) -> None:
    """List disputes with their age (open or resolve one with `disputes open|resolve`). 争议列表。"""
    from receivables.services import disputes
    from receivables.storage.database import unit_of_work

    if ctx.invoked_subcommand is not None:
        return
    day = as_of_date(as_of)
    runtime = state(ctx).open()
    with unit_of_work(runtime.sessions) as session:
        views = disputes.list_disputes(session, day, code=debtor, status=status)
    if output_format is OutputFormat.json:
        print_json(views)
        return
    print_table(f"Disputes as of {day}", ["#", "debtor", "opened", "age (days)", "status", "items", "disputed",
                                          "reason"],
                [[v.id, v.debtor, v.opened_on, v.age_days, v.resolution or v.status,
                  ", ".join(i.number for i in v.items), sum((i.disputed_amount for i in v.items), Decimal("0.00")),
                  v.reason] for v in views], right_align=(3, 6))


@disputes_app.command("open")
def disputes_open(ctx: typer.Context, code: str = typer.Argument(..., help="Debtor code."),
                  items: list[str] = typer.Option(..., "--item", help="Disputed item number, optionally with the "
                                                  "disputed amount: A-1 or A-1=300.00 (repeat for more items)."),
                  reason: str = typer.Option(..., "--reason", help="What the debtor complains about."),
                  contact: Optional[str] = typer.Option(None, "--contact", help="Who raised it (name or #id)."),
                  on: Optional[str] = typer.Option(None, "--on", help="Date opened (default today).")) -> None:
    """Open a dispute on items: they are held out of dunning until it is resolved. 登记争议。"""
    from receivables.services import disputes
    from receivables.storage.database import unit_of_work

    day = as_of_date(on)
    parsed = []
    for text in items:
        number, _, amount = text.partition("=")
        parsed.append((number.strip(), _amount(amount, "--item") if amount.strip() else None))
    cli = state(ctx)
    runtime = cli.open()
    with unit_of_work(runtime.sessions) as session:
        view = disputes.open_dispute(session, code, parsed, reason=reason, opened_on=day, actor=cli.actor,
                                     contact=contact)
    console().print(f"dispute #{view.id} opened for {view.debtor} on "
                    f"{', '.join(f'{i.number} ({i.disputed_amount})' for i in view.items)}", markup=False)


@disputes_app.command("resolve")
def disputes_resolve(ctx: typer.Context, dispute_id: int = typer.Argument(..., help="Dispute number."),
                     resolution: str = typer.Option(..., "--resolution", help="credit_note, withdrawn or rejected."),
                     note: Optional[str] = typer.Option(None, "--note"),
                     on: Optional[str] = typer.Option(None, "--on", help="Date resolved (default today).")) -> None:
    """Resolve a dispute; its items return to dunning. 解决争议。"""
    from receivables.services import disputes
    from receivables.storage.database import unit_of_work

    day = as_of_date(on)
    cli = state(ctx)
    runtime = cli.open()
    with unit_of_work(runtime.sessions) as session:
        view = disputes.resolve_dispute(session, dispute_id, resolution=resolution, resolved_on=day,
                                        actor=cli.actor, note=note)
    console().print(f"dispute #{view.id} of {view.debtor} resolved: {view.resolution}", markup=False)


def debtor_timeline(ctx: typer.Context, code: str = typer.Argument(..., help="Debtor code."),
                    as_of: Optional[str] = AS_OF,
                    output_format: OutputFormat = typer.Option(OutputFormat.table, "--format")) -> None:
    """Everything about a debtor in date order. 客户时间线。"""
    from receivables.services import timeline
    from receivables.storage.database import unit_of_work

    day = as_of_date(as_of)
    runtime = state(ctx).open()
    with unit_of_work(runtime.sessions) as session:
        found = timeline.debtor_timeline(session, code, day)
    if output_format is OutputFormat.json:
        print_json(found)
        return
    print_table(f"{found.name} ({found.code}) as of {found.as_of}", ["date", "kind", "ref", "ccy", "amount", "what"],
                [[e.on, e.kind, e.reference, e.currency, e.amount, e.text] for e in found.entries], right_align=(4,))
