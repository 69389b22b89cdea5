"""Calculators that need no database: credit-code check, Chinese capital amounts."""

from __future__ import annotations

import typer

from receivables.cli import interest_calc, limitation_calc
from receivables.cli.output import console, fail
from receivables.domain.identifiers import check_credit_code

calc_app = typer.Typer(help="Calculators: credit codes, capital amounts. 计算工具。", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    try:
        from receivables.cli.letters import calc_capital
    except ImportError:
        pass
    else:
        calc_app.command("capital")(calc_capital)
    limitation_calc.register(calc_app)
    interest_calc.register(calc_app)
    app.add_typer(calc_app, name="calc")


@calc_app.command("credit-code")
def credit_code(code: str = typer.Argument(..., help="A unified social credit code (统一社会信用代码).")) -> None:
    """Check a unified social credit code (GB 32100-2015): prints `valid`, or the rule broken."""
    checked = check_credit_code(code)
    if not checked.valid:
        fail(f"invalid: {checked.problem}")
    console().print("valid")
