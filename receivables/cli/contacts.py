"""`receivables contacts`: the debtor organization map (add, edit, list, show, route, chart, hygiene)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer

from receivables.cli.app import state
from receivables.cli.output import OutputFormat, console, error_console, fail, print_json, print_table

if TYPE_CHECKING:
    from receivables.services.orgmap import ContactView

# Services and storage are imported inside each command (see the start-up rule in cli/app.py).

contacts_app = typer.Typer(help="The people inside each debtor: roles, stance, reporting lines, routing. 联系人与组织图。",
                           no_args_is_help=True)

ROLE_HELP = "front_desk, sales, procurement, project, finance, boss (approves payment), legal_rep, other (or 财务, 前台…)"
STANCE_HELP = "cooperative, gatekeeper, decisive, evasive or unknown"


def register(app: typer.Typer) -> None:
    app.add_typer(contacts_app, name="contacts")


def _yes_no(value: Optional[str], option: str) -> Optional[bool]:
    if value is None:
        return None
    lowered = value.strip().lower()
    if lowered in ("yes", "y", "true", "1", "是"):
        return True
    if lowered in ("no", "n", "false", "0", "否"):
        return False
    raise typer.BadParameter(f"{option} takes yes or no, not {value!r}")


def _fields(**given: Any) -> dict[str, Any]:
    return {k: v for k, v in given.items() if v is not None}


NAME = typer.Option(None, "--name", help="Full name, e.g. 钱晓红.")
ROLE = typer.Option(None, "--role", help=ROLE_HELP)
TITLE = typer.Option(None, "--title", help="Job title, e.g. 财务经理.")
DEPARTMENT = typer.Option(None, "--department")
PHONE = typer.Option(None, "--phone", help="Office phone.")
MOBILE = typer.Option(None, "--mobile", help="Mobile phone.")
EMAIL = typer.Option(None, "--email")
ADDRESS = typer.Option(None, "--address", help="Postal address for letters.")
STANCE = typer.Option(None, "--stance", help=STANCE_HELP)
REPORTS_TO = typer.Option(None, "--reports-to", help="The superior's name within the same debtor (or #id); "
                          "'' for none.")
DECIDES = typer.Option(None, "--decision-maker", help="yes/no: this person decides on payment.")
CHANNEL = typer.Option(None, "--channel", help="Preferred channel: call, visit, email, letter, meeting, message.")
HOURS = typer.Option(None, "--hours", help="When they may be contacted, e.g. 09:00-17:30.")
ACTIVE = typer.Option(None, "--active", help="yes/no: no when the person has left.")
NOTES = typer.Option(None, "--notes")


@contacts_app.command("add")
def contacts_add(ctx: typer.Context, code: str = typer.Argument(..., help="Debtor code."),
                 name: str = typer.Option(..., "--name", help="Full name, e.g. 钱晓红."),
                 role: str = typer.Option(..., "--role", help=ROLE_HELP),
                 title: Optional[str] = TITLE, department: Optional[str] = DEPARTMENT, phone: Optional[str] = PHONE,
                 mobile: Optional[str] = MOBILE, email: Optional[str] = EMAIL, address: Optional[str] = ADDRESS,
                 stance: Optional[str] = STANCE, reports_to: Optional[str] = REPORTS_TO,
                 decision_maker: Optional[str] = DECIDES, channel: Optional[str] = CHANNEL,
                 hours: Optional[str] = HOURS, active: Optional[str] = ACTIVE, notes: Optional[str] = NOTES) -> None:
    """Add a person to a debtor's map. 新增联系人。"""
    from receivables.services import orgmap
    from receivables.storage.database import unit_of_work

    fields = _fields(name=name, role=role, title=title, department=department, phone=phone, mobile=mobile,
                     email=email, address=address, stance=stance, reports_to=reports_to,
                     decision_maker=_yes_no(decision_maker, "--decision-maker"), preferred_channel=channel,
                     hours=hours, active=_yes_no(active, "--active"), notes=notes)
    cli = state(ctx)
    runtime = cli.open()
    with unit_of_work(runtime.sessions) as session:
        view = orgmap.add_contact(session, code, fields, actor=cli.actor)
    console().print(f"contact #{view.id} {view.name} ({view.role}) added to {view.debtor}", markup=False)


@contacts_app.command("edit")
def contacts_edit(ctx: typer.Context, code: str = typer.Argument(..., help="Debtor code."),
                  contact: str = typer.Argument(..., help="The contact's name (or #id)."),
                  name: Optional[str] = NAME, role: Optional[str] = ROLE, title: Optional[str] = TITLE,
                  department: Optional[str] = DEPARTMENT, phone: Optional[str] = PHONE,
                  mobile: Optional[str] = MOBILE, email: Optional[str] = EMAIL, address: Optional[str] = ADDRESS,
                  stance: Optional[str] = STANCE, reports_to: Optional[str] = REPORTS_TO,
                  decision_maker: Optional[str] = DECIDES, channel: Optional[str] = CHANNEL,
                  hours: Optional[str] = HOURS, active: Optional[str] = ACTIVE, notes: Optional[str] = NOTES) -> None:
    """Change a contact's details (what is not given stays). 修改联系人。"""
    from receivables.services import orgmap
    from receivables.storage.database import unit_of_work

    fields = _fields(name=name, role=role, title=title, department=department, phone=phone, mobile=mobile,
                     email=email, address=address, stance=stance, reports_to=reports_to,
                     decision_maker=_yes_no(decision_maker, "--decision-maker"), preferred_channel=channel,
                     hours=hours, active=_yes_no(active, "--active"), notes=notes)
    if not fields:
        fail("nothing to change: give at least one option (see --help)")
    cli = state(ctx)
    runtime = cli.open()
    with unit_of_work(runtime.sessions) as session:
        view = orgmap.edit_contact(session, code, contact, fields, actor=cli.actor)
    console().print(f"contact #{view.id} {view.name} of {view.debtor} updated", markup=False)


@contacts_app.command("list")
def contacts_list(ctx: typer.Context, code: Optional[str] = typer.Argument(None, help="Debtor code (default: all)."),
                  output_format: OutputFormat = typer.Option(OutputFormat.table, "--format")) -> None:
    """List contacts with role, stance and superior. 联系人列表。"""
    from receivables.services import orgmap
    from receivables.storage.database import unit_of_work

    runtime = state(ctx).open()
    with unit_of_work(runtime.sessions) as session:
        views = orgmap.list_contacts(session, code)
    if output_format is OutputFormat.json:
        print_json(views)
        return
    print_table(f"Contacts{' of ' + code if code else ''}",
                ["debtor", "id", "name", "role", "title", "stance", "reports to", "decides", "active", "phone",
                 "email"],
                [[v.debtor, v.id, v.name, v.role, v.title, v.stance, v.reports_to, "yes" if v.decision_maker else "",
                  "" if v.active else "left", v.phone or v.mobile, v.email] for v in views])


@contacts_app.command("show")
def contacts_show(ctx: typer.Context, code: str = typer.Argument(..., help="Debtor code."),
                  contact: str = typer.Argument(..., help="The contact's name (or #id)."),
                  output_format: OutputFormat = typer.Option(OutputFormat.table, "--format")) -> None:
    """Everything about one contact. 联系人详情。"""
    from receivables.services import orgmap
    from receivables.storage.database import unit_of_work

    runtime = state(ctx).open()
    with unit_of_work(runtime.sessions) as session:
        view = orgmap.show_contact(session, code, contact)
    if output_format is OutputFormat.json:
        print_json(view)
        return
    print_table(f"{view.name} ({view.debtor})", ["field", "value"],
                [[k, "yes" if v is True else "no" if v is False else v] for k, v in _items(view)])


def _items(view: ContactView) -> list[tuple[str, Any]]:
    from receivables.services import orgmap

    return [(name, getattr(view, name)) for name in orgmap.ContactView.__dataclass_fields__]


@contacts_app.command("route")
def contacts_route(ctx: typer.Context, code: str = typer.Argument(..., help="Debtor code."),
                   roles: str = typer.Option("finance,boss", "--roles", help="Target roles of the step, in order, "
                                             "comma-separated, e.g. finance,boss."),
                   output_format: OutputFormat = typer.Option(OutputFormat.table, "--format")) -> None:
    """Who an escalation step reaches, in order, and the gaps in the map. 催收升级路径。"""
    from receivables.services import orgmap
    from receivables.storage.database import unit_of_work

    runtime = state(ctx).open()
    with unit_of_work(runtime.sessions) as session:
        found = orgmap.escalation_route(session, code, orgmap.parse_roles(roles))
    if output_format is OutputFormat.json:
        print_json(found.as_document())
        return
    print_table(f"Route of {code} for {roles}", ["#", "name", "role", "reason"],
                [[i, r.name, r.role, r.reason] for i, r in enumerate(found.recipients, 1)])
    for gap in found.gaps:
        error_console().print(f"gap: {gap}", markup=False, highlight=False)


@contacts_app.command("chart")
def contacts_chart(ctx: typer.Context, code: str = typer.Argument(..., help="Debtor code."),
                   out: Path = typer.Option(..., "--out", help="FILE.svg or FILE.png."),
                   roles: str = typer.Option("finance,boss", "--roles", help="The escalation step to highlight.")) -> None:
    """Draw the debtor's organization map with the escalation path highlighted. 组织图。"""
    from receivables.files.org_chart import ChartFontWarning, draw_org_chart
    from receivables.services import orgmap
    from receivables.storage.database import unit_of_work

    if out.suffix.lower() not in (".svg", ".png"):
        fail(f"--out must end in .svg or .png, not {out.name!r}")
    runtime = state(ctx).open()
    with unit_of_work(runtime.sessions) as session:
        org = orgmap.organization_map(session, code, orgmap.parse_roles(roles))
    font = os.environ.get("RECEIVABLES_FONT")
    warnings = draw_org_chart(org.debtor_name, org.contacts, org.route, out, Path(font) if font else None)
    for warning in warnings:
        if isinstance(warning, ChartFontWarning):
            error_console().print(f"warning: {warning}", markup=False, highlight=False)
    console().print(f"organization chart of {code} written to {out}", markup=False)


@contacts_app.command("hygiene")
def contacts_hygiene(ctx: typer.Context,
                     code: Optional[str] = typer.Argument(None, help="Debtor code (default: the global setting)."),
                     hours: Optional[str] = typer.Option(None, "--hours", help="Allowed hours, e.g. 08:00-20:00."),
                     per_day: Optional[int] = typer.Option(None, "--per-day", min=1,
                                                           help="Most outbound contacts per debtor per day."),
                     per_week: Optional[int] = typer.Option(None, "--per-week", min=1,
                                                            help="Most outbound contacts per debtor in 7 days.")) -> None:
    """Show or set contact-hygiene limits (no harassment). 联系频次与时段限制。"""
    from receivables.services import orgmap
    from receivables.services.interactions import hygiene_rules, set_hygiene
    from receivables.storage.database import unit_of_work

    cli = state(ctx)
    runtime = cli.open()
    with unit_of_work(runtime.sessions) as session:
        if hours is None and per_day is None and per_week is None:
            debtor_id = orgmap.find_debtor(session, code).id if code else None
            rules = hygiene_rules(session, debtor_id)
        else:
            rules = set_hygiene(session, code, hours=hours, per_day=per_day, per_week=per_week, actor=cli.actor)
    console().print(f"contact hygiene{' for ' + code if code else ''}: {rules.describe()}", markup=False)
