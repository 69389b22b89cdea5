"""`receivables statements`: statements of account, their distribution and the debtor's responses."""

from __future__ import annotations

import os
import sys
from decimal import Decimal
from pathlib import Path
from typing import Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from receivables.cli.app import state
from receivables.cli.options import AS_OF, as_of_date
from receivables.cli.output import OutputFormat, console, error_console, fail, print_json, print_table
from receivables.domain.money import parse_amount
from receivables.domain.statements import FREQUENCIES, Period, parse_period, previous_period
from receivables.storage.blobs import BlobStore
from receivables.storage.database import unit_of_work

statements_app = typer.Typer(help="Statements of account and balance confirmations: issue, send, record replies. "
                                  "对账单与往来询证。", no_args_is_help=True)

FORMAT = typer.Option(OutputFormat.table, "--format", help="table or json. 输出格式。")


def register(app: typer.Typer) -> None:
    """Adds this module's commands to the root command."""
    app.add_typer(statements_app, name="statements")


def _period(text: Optional[str], as_of_text: Optional[str]) -> Period:
    """`--period`, or the calendar month before the as-of date."""
    if text is None:
        return previous_period("monthly", as_of_date(as_of_text))
    return _parse_period(text)


def _parse_period(text: str) -> Period:
    try:
        return parse_period(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--period") from None


def _bar(show: bool) -> Progress:
    return Progress(*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=error_console(), disable=not show, transient=True)


@statements_app.command("issue")
def issue(
    ctx: typer.Context,
    period: Optional[str] = typer.Option(None, "--period", help="2026-11, 2026-Q4 or 2026 (default: last month). "
                                         "对账期间。"),
    debtor: Optional[list[str]] = typer.Option(None, "--debtor", help="Debtor code; repeat for several (default: "
                                               "every debtor with a reconciliation frequency). 客户编码。"),
    as_of: Optional[str] = AS_OF,
    send: bool = typer.Option(False, "--send", help="E-mail to the finance contact now (RECEIVABLES_SMTP_*). 邮件发送。"),
    to_print: bool = typer.Option(False, "--print", help="Mark for printing and posting instead. 打印邮寄。"),
    locale: Optional[str] = typer.Option(None, "--locale", help="zh_CN or en (default RECEIVABLES_STATEMENT_LOCALE "
                                         "or zh_CN)."),
    company: Optional[str] = typer.Option(None, "--company", help="Only this creditor company (default: every one "
                                          "the debtor deals with)."),
    workers: Optional[int] = typer.Option(None, "--workers", min=1, help="Render processes (default: all cores)."),
    output_format: OutputFormat = FORMAT,
) -> None:
    """Issue the period's statements (once per debtor, currency and period) and optionally e-mail them. 出具对账单。

    Run again with --send to retry e-mails the server did not accept; nothing accepted is sent twice.
    """
    from receivables.services.letters import catalog_for
    from receivables.services.mail import SmtpSettings
    from receivables.services.statements import (
        StatementSettings,
        issue_statements,
        send_statements,
        statements_of_period,
    )

    if send and to_print:
        fail("choose --send or --print, not both")
    day = as_of_date(as_of)
    wanted = _period(period, as_of)
    options = StatementSettings.from_env(os.environ)
    smtp = SmtpSettings.from_env(os.environ) if send else None
    if send and smtp is None:
        fail("--send needs an SMTP server: set RECEIVABLES_SMTP_HOST (and _PORT, _TLS, _USER, _PASSWORD, _FROM)")
    cli = state(ctx)
    runtime = cli.open()
    blobs = BlobStore(cli.settings.blob_dir)
    user_templates = cli.settings.user_templates_dir
    show = output_format is OutputFormat.table and sys.stderr.isatty()
    with _bar(show) as bar:
        task = bar.add_task("rendering statements", total=None)
        with unit_of_work(runtime.sessions) as session:
            batch = issue_statements(
                session, period=wanted, debtor_codes=debtor or None, as_of=day, actor=cli.actor,
                catalog=catalog_for(user_templates), blobs=blobs, user_templates=user_templates,
                locale=locale or options.locale, company=company, delivery="print" if to_print else "email",
                reply_days=options.reply_days, workers=workers,
                progress=lambda done, total: bar.update(task, completed=done, total=total))
    outcomes = []
    if smtp is not None:
        with unit_of_work(runtime.sessions) as session:
            ids = statements_of_period(session, wanted, debtor or None)
        with _bar(show) as bar:
            task = bar.add_task("sending e-mails", total=None)
            outcomes = send_statements(runtime.sessions, ids, smtp=smtp, blobs=blobs, actor=cli.actor, cc=options.cc,
                                       progress=lambda done, total: bar.update(task, completed=done, total=total))
    if output_format is OutputFormat.json:
        print_json({"period": wanted.label, "issued": list(batch.issued), "already_issued": len(batch.already_issued),
                    "nothing_to_state": list(batch.nothing_to_state), "emails": outcomes})
    else:
        out = console()
        for s in batch.issued:
            out.print(f"{s.number}  {s.debtor}  {s.currency}  {s.period}  opening {s.opening_balance:,.2f}  "
                      f"closing {s.closing_balance:,.2f}  {s.movements} movement(s)  {s.delivery}",
                      markup=False, highlight=False)
        for o in outcomes:
            out.print(f"{o.number}  {o.debtor}  e-mail {o.status}  {o.recipient or ''}  {o.error or ''}".rstrip(),
                      markup=False, highlight=False)
        out.print(f"{wanted.label}: {len(batch.issued)} issued, {len(batch.already_issued)} already issued, "
                  f"{len(batch.nothing_to_state)} with nothing to state", markup=False, highlight=False)
    failed = sum(1 for o in outcomes if o.status == "failed")
    if failed:
        # Issued statements stay issued; the exit status tells a script that some e-mails need attention.
        fail(f"{failed} of {len(outcomes)} e-mail(s) were not accepted; fix the cause and run "
             f"`statements issue --period {wanted.label} --send` again")


def _rows(rows: list, output_format: OutputFormat, title: str) -> None:  # type: ignore[type-arg]
    if output_format is OutputFormat.json:
        print_json(rows)
        return
    print_table(title, ["number", "debtor", "currency", "period", "opening", "closing", "issued", "reply due",
                        "delivery", "e-mail", "response"],
                [[r.number, r.debtor, r.currency, f"{r.period_start}..{r.period_end}", r.opening_balance,
                  r.closing_balance, r.issued_on, r.reply_due_on, r.delivery, r.email,
                  f"{r.response} {r.responded_on}" if r.response else ""] for r in rows], right_align=(4, 5))


@statements_app.command("list")
def list_(
    ctx: typer.Context,
    period: Optional[str] = typer.Option(None, "--period", help="Only this period (2026-11, 2026-Q4, 2026)."),
    debtor: Optional[str] = typer.Option(None, "--debtor", help="Only this debtor."),
    output_format: OutputFormat = FORMAT,
) -> None:
    """Issued statements with their e-mail status and response. 对账单列表。"""
    from receivables.services.statement_responses import list_statements

    wanted = _parse_period(period) if period else None
    with state(ctx).open().sessions() as session:
        rows = list_statements(session, period=wanted, debtor_code=debtor)
    _rows(rows, output_format, "statements of account 对账单")


@statements_app.command("awaiting-reply")
def awaiting(
    ctx: typer.Context,
    days: Optional[int] = typer.Option(None, "--days", min=0, help="Days allowed for a reply (default "
                                       "RECEIVABLES_STATEMENT_REPLY_DAYS or 15). 回函期限。"),
    as_of: Optional[str] = AS_OF,
    output_format: OutputFormat = FORMAT,
) -> None:
    """Statements with no reply after N days: a reminder is proposed for each. 未回函，建议催询。"""
    from receivables.services.statement_responses import awaiting_reply
    from receivables.services.statements import StatementSettings

    allowed = days if days is not None else StatementSettings.from_env(os.environ).reply_days
    with state(ctx).open().sessions() as session:
        rows = awaiting_reply(session, as_of=as_of_date(as_of), days=allowed)
    _rows(rows, output_format, f"no reply after {allowed} days: send a reminder 超期未回函")


@statements_app.command("respond")
def respond(
    ctx: typer.Context,
    number: str = typer.Argument(..., metavar="STATEMENT_NUMBER", help="e.g. 〔2026〕询字第0001号."),
    confirmed: bool = typer.Option(False, "--confirmed", help="The debtor confirmed the balance. 信息证明无误。"),
    disputed: bool = typer.Option(False, "--disputed", help="The debtor's books differ. 信息不符。"),
    on: Optional[str] = typer.Option(None, "--on", help="Date of the reply (default today). 回函日期。"),
    signer: Optional[str] = typer.Option(None, "--signer", help="Who signed the slip. 签字人。"),
    slip: Optional[Path] = typer.Option(None, "--slip", help="The signed slip: PDF or image. 回执扫描件。"),
    their_balance: Optional[str] = typer.Option(None, "--their-balance", help="The balance their books show. "
                                                "对方余额。"),
    notes: Optional[str] = typer.Option(None, "--notes", help="Their explanation of the difference. 差异说明。"),
    output_format: OutputFormat = FORMAT,
) -> None:
    """Record the debtor's reply; a confirmation counts as acknowledging the debt. 登记回函。"""
    from receivables.services.statement_responses import record_response

    if confirmed == disputed:
        fail("give exactly one of --confirmed or --disputed")
    day = as_of_date(on)
    balance: Decimal | None = None
    if their_balance is not None:
        try:
            balance = parse_amount(their_balance)
        except ValueError as exc:
            fail(f"--their-balance: {exc}")
    content: bytes | None = None
    if slip is not None:
        if not slip.is_file():
            fail(f"slip {slip} does not exist or is not a file")
        content = slip.read_bytes()
    cli = state(ctx)
    blobs = BlobStore(cli.settings.blob_dir)
    with unit_of_work(cli.open().sessions) as session:
        recorded = record_response(session, number, kind="confirmed" if confirmed else "disputed", responded_on=day,
                                   actor=cli.actor, blobs=blobs, signer=signer, slip=content,
                                   slip_name=slip.name if slip else None, their_balance=balance, notes=notes)
    if output_format is OutputFormat.json:
        print_json(recorded)
        return
    difference = "" if recorded.their_balance is None else \
        f"  difference {recorded.our_balance - recorded.their_balance:,.2f}"
    console().print(f"{recorded.number}  {recorded.debtor}  {recorded.kind} on {recorded.responded_on}  "
                    f"ours {recorded.our_balance:,.2f}  theirs {recorded.their_balance or 0:,.2f}{difference}"
                    + (f"  slip sha256 {recorded.slip_sha256}" if recorded.slip_sha256 else ""),
                    markup=False, highlight=False)


@statements_app.command("schedule")
def schedule(
    ctx: typer.Context,
    code: str = typer.Argument(..., metavar="CODE", help="Debtor code. 客户编码。"),
    frequency: str = typer.Option(..., "--frequency", help=f"{', '.join(FREQUENCIES)}. 对账频率。"),
    day: Optional[int] = typer.Option(None, "--day", help="Day of the cycle's first month, 1-31 (29-31 fall on "
                                      "a shorter month's last day). 对账日。"),
    as_of: Optional[str] = AS_OF,
    output_format: OutputFormat = FORMAT,
) -> None:
    """Set how often and on which day a debtor gets its statement. 设置对账周期。"""
    from receivables.services.statement_responses import next_statement_day, set_schedule

    cli = state(ctx)
    with unit_of_work(cli.open().sessions) as session:
        result = set_schedule(session, code, frequency=frequency, day=day, actor=cli.actor)
    result["next_statement_on"] = next_statement_day(result["frequency"], result["day"], as_of_date(as_of))
    if output_format is OutputFormat.json:
        print_json(result)
        return
    console().print(f"{result['debtor']}: {result['frequency']} on day {result['day']}; next statement "
                    f"{result['next_statement_on'] or 'never'}", markup=False, highlight=False)

