"""`receivables calc interest`: late-payment interest by a contract or statutory rule, segment by segment."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Optional

import typer

from receivables.cli.output import OutputFormat, console, fail, print_json, print_table
from receivables.cli.rates import rate_tables
from receivables.domain.dates import parse_date
from receivables.domain.interest import RULE_FORMS, InterestError, InterestResult, late_interest, parse_payment, \
    parse_rule, percent_text
from receivables.domain.money import format_amount, parse_amount
from receivables.domain.rates import RateSeries


def register(calc_app: typer.Typer) -> None:
    calc_app.command("interest")(calc_interest)


def calc_interest(
    ctx: typer.Context,
    principal: str = typer.Option(..., "--principal", help="The overdue amount, e.g. 58000.00."),
    first: str = typer.Option(..., "--from", help="The first day of delay (counted)."),
    last: str = typer.Option(..., "--to", help="The last day of delay (counted), e.g. the payment date."),
    rule: str = typer.Option(..., "--rule", help=f"One of {RULE_FORMS}."),
    basis: int = typer.Option(365, "--basis", help="Day-count basis: 365 (ACT/365, default) or 360 (ACT/360)."),
    payment: list[str] = typer.Option([], "--payment", help="DATE:AMOUNT, repeatable: a part payment in the "
                                      "period; it reduces the principal from the next day."),
    currency: Optional[str] = typer.Option(None, "--currency", help="Currency of the debt (default CNY; GBP for "
                                           "uk-statutory, EUR for de-b2b and eu-statutory)."),
    output_format: OutputFormat = typer.Option(OutputFormat.table, "--format"),
) -> None:
    """Late-payment interest (逾期利息/违约金): simple interest, both days counted. Not legal advice."""
    try:
        amount = parse_amount(principal)
    except ValueError as exc:
        fail(f"--principal: {exc}")
    try:
        first_day, last_day = parse_date(first), parse_date(last)
    except ValueError as exc:
        fail(f"--from/--to: {exc}")
    try:
        parsed = parse_rule(rule)
        payments = [parse_payment(text) for text in payment]
    except InterestError as exc:
        fail(str(exc))
    origin = ""
    tables: dict[str, RateSeries] = {}
    if parsed.series is not None:
        tables, origin = rate_tables(ctx)
    try:
        result = late_interest(amount, first_day, last_day, parsed, basis=basis, payments=payments, rates=tables,
                               currency=currency)
    except InterestError as exc:
        fail(str(exc))
    document = interest_document(result, origin)
    if output_format is OutputFormat.json:
        print_json(document)
        return
    _print_plainly(result, document)


def rate_text(rate: Decimal) -> str:
    """An annual rate as a plain decimal fraction: 0.1825, 0.05025."""
    tidy = rate.normalize()
    exponent = tidy.as_tuple().exponent
    return format(tidy if isinstance(exponent, int) and exponent <= 0 else rate.quantize(Decimal(1)), "f")


def interest_document(result: InterestResult, origin: str) -> dict[str, Any]:
    """The JSON form: total, fixed_sum, segments (from, to, days, principal, rate, amount), rule, assumptions."""
    notes = [f"Currency {result.currency}" + (f"; rates from {origin}." if origin else "."), *result.assumptions]
    return {
        "total": format_amount(result.total),
        "fixed_sum": format_amount(result.fixed_sum),
        "segments": [{"from": s.first.isoformat(), "to": s.last.isoformat(), "days": s.days,
                      "principal": format_amount(s.principal), "rate": rate_text(s.rate),
                      "amount": format_amount(s.amount)} for s in result.segments],
        "rule": result.rule,
        "assumptions": notes,
    }


def _print_plainly(result: InterestResult, document: dict[str, Any]) -> None:
    out = console()
    out.print(f"Late interest, rule {result.rule}, ACT/{result.basis}, {result.currency} "
              f"{result.principal:,.2f} from {result.first_day} to {result.last_day}", highlight=False, markup=False)
    print_table(None, ["from", "to", "days", "principal", "rate / year", "interest"],
                [(s.first, s.last, s.days, s.principal, percent_text(s.rate), s.amount)
                 for s in result.segments], right_align=(2, 3, 4, 5))
    out.print(f"Interest: {result.currency} {result.total:,.2f}", highlight=False, markup=False)
    if result.fixed_sum:
        out.print(f"Fixed sum: {result.currency} {result.fixed_sum:,.2f}", highlight=False, markup=False)
    for note in document["assumptions"]:
        out.print(f"- {note}", highlight=False, markup=False)
