"""`receivables company`: our creditor companies' letterhead and bank details."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from receivables.cli.app import state
from receivables.cli.output import OutputFormat, console, fail, print_json, print_table

# Services and storage are imported inside each command (see the start-up rule in cli/app.py).

company_app = typer.Typer(help="Our companies (creditors): letterhead and bank details. 我方公司。",
                          no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(company_app, name="company")


@company_app.command("list")
def company_list(ctx: typer.Context, output_format: OutputFormat = typer.Option(OutputFormat.table, "--format")) -> None:
    """List our companies."""
    from receivables.services.companies import list_companies
    from receivables.storage.database import unit_of_work

    runtime = state(ctx).open()
    with unit_of_work(runtime.sessions) as session:
        companies = list_companies(session)
    if output_format is OutputFormat.json:
        print_json(companies)
        return
    print_table("Companies", ["name", "default", "credit code", "address", "phone", "bank", "account"],
                [[c.name, "yes" if c.is_default else "", c.credit_code, c.address, c.phone, c.bank_name,
                  c.bank_account] for c in companies])


@company_app.command("edit")
def company_edit(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The company's name as given to `init --company`."),
    credit_code: Optional[str] = typer.Option(None, "--credit-code", help="统一社会信用代码."),
    address: Optional[str] = typer.Option(None, "--address"),
    phone: Optional[str] = typer.Option(None, "--phone"),
    bank: Optional[str] = typer.Option(None, "--bank", help="Bank and branch for payment instructions."),
    account: Optional[str] = typer.Option(None, "--account", help="Bank account number."),
    contact: Optional[str] = typer.Option(None, "--contact", help="Who debtors should call."),
    contact_phone: Optional[str] = typer.Option(None, "--contact-phone"),
    logo: Optional[Path] = typer.Option(None, "--logo", help="PNG or JPEG for the letterhead."),
) -> None:
    """Set letterhead and bank details used in letters. 设置函件抬头与收款账户。"""
    from receivables.services.companies import edit_company
    from receivables.storage.blobs import BlobStore
    from receivables.storage.database import unit_of_work

    changes = {k: v for k, v in {"credit_code": credit_code, "address": address, "phone": phone, "bank_name": bank,
                                 "bank_account": account, "contact_name": contact,
                                 "contact_phone": contact_phone}.items() if v is not None}
    if not changes and logo is None:
        fail("nothing to change: give at least one option (see --help)")
    cli = state(ctx)
    runtime = cli.open()
    with unit_of_work(runtime.sessions) as session:
        view = edit_company(session, name, changes, actor=cli.actor, blobs=BlobStore(cli.settings.blob_dir), logo=logo)
    console().print(f"company {view.name!r} updated", markup=False)
