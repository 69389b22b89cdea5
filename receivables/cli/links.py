"""`receivables links`: the debtor's personal links (make, list, revoke)."""

from __future__ import annotations

import os
from typing import Optional

import typer

from receivables.cli.app import state
from receivables.cli.options import AS_OF, as_of_date
from receivables.cli.output import OutputFormat, console, print_json, print_table

links_app = typer.Typer(help="Personal links for debtors: view open items, confirm, dispute, promise online. "
                             "客户专属链接。", no_args_is_help=True)

FORMAT = typer.Option(OutputFormat.table, "--format", help="table or json. 输出格式。")


def register(app: typer.Typer) -> None:
    """Adds this module's commands to the root command."""
    app.add_typer(links_app, name="links")


@links_app.command("create")
def create(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="Debtor code. 客户编码。"),
    statement: Optional[str] = typer.Option(None, "--statement", help="Statement number the link is for. 对账单编号。"),
    days: int = typer.Option(30, "--days", help="Days the link stays valid (1-366). 有效天数。"),
    as_of: Optional[str] = AS_OF,
    output_format: OutputFormat = FORMAT,
) -> None:
    """Make a personal link for one debtor; the link is shown only now. 生成客户专属链接（仅显示一次）。

    The printed address starts with RECEIVABLES_PUBLIC_URL when it is set, else it is a path.
    """
    from receivables.services.debtor_links import create_link, public_url
    from receivables.services.statement_responses import find_statement
    from receivables.storage.database import unit_of_work

    cli = state(ctx)
    runtime = cli.open()
    day = as_of_date(as_of)
    with unit_of_work(runtime.sessions) as session:
        statement_id = find_statement(session, statement)[0].id if statement else None
        path, link = create_link(session, code, statement_id=statement_id, days=days, as_of=day,
                                 actor=cli.settings.user)
    url = public_url(path, os.environ.get("RECEIVABLES_PUBLIC_URL"))
    if output_format is OutputFormat.json:
        print_json({"url": url, "link": link})
        return
    console().print(f"link #{link.id} for {link.debtor} valid through {link.expires_on}:")
    print(url)


@links_app.command("list")
def list_(
    ctx: typer.Context,
    debtor: Optional[str] = typer.Option(None, "--debtor", help="Only this debtor's links. 客户编码。"),
    as_of: Optional[str] = AS_OF,
    output_format: OutputFormat = FORMAT,
) -> None:
    """The links made so far and whether each still works. 链接列表。"""
    from receivables.services.debtor_links import list_links
    from receivables.storage.database import unit_of_work

    runtime = state(ctx).open()
    with unit_of_work(runtime.sessions) as session:
        links = list_links(session, as_of=as_of_date(as_of), debtor_code=debtor)
    if output_format is OutputFormat.json:
        print_json(links)
        return
    print_table("debtor links 客户专属链接", ["id", "debtor", "statement", "created", "expires", "status", "by"],
                [[str(x.id), x.debtor, x.statement or "", x.created_on.isoformat(), x.expires_on.isoformat(),
                  x.status, x.created_by] for x in links])


@links_app.command("revoke")
def revoke(
    ctx: typer.Context,
    link_id: int = typer.Argument(..., help="The link's id (see `links list`). 链接编号。"),
    as_of: Optional[str] = AS_OF,
) -> None:
    """Withdraw a link: it stops working at once. 撤销链接。"""
    from receivables.services.debtor_links import revoke_link
    from receivables.storage.database import unit_of_work

    cli = state(ctx)
    runtime = cli.open()
    with unit_of_work(runtime.sessions) as session:
        link = revoke_link(session, link_id, as_of=as_of_date(as_of), actor=cli.settings.user)
    console().print(f"link #{link.id} for {link.debtor} revoked on {link.revoked_on}")
