"""`receivables projects`, `project`, `retention`, `targets`: construction contracts and what they owe."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Optional

import typer

from receivables.cli.app import state
from receivables.cli.options import AS_OF, as_of_date
from receivables.cli.output import OutputFormat, console, print_json, print_table
from receivables.domain.dates import parse_date
from receivables.domain.money import parse_amount

if TYPE_CHECKING:
    from receivables.services.projects import ProjectLine, RetentionDue

# Services and storage are imported inside each command (see the start-up rule in cli/app.py).

project_app = typer.Typer(help="One construction contract: add, terms, variations, milestones, billing, acceptance, "
                               "settlement. 工程项目。", no_args_is_help=True)
targets_app = typer.Typer(help="Collection targets per project, contract, collector or company. 回款目标。",
                          no_args_is_help=True)

DEBTOR = typer.Option(None, "--debtor", help="Debtor code, when several debtors have a contract with this number. "
                                             "客户编码。")
FORMAT = typer.Option(OutputFormat.table, "--format", help="table or json.")


def register(app: typer.Typer) -> None:
    """Adds this module's commands to the root command."""
    app.command("projects")(projects_list)
    app.add_typer(project_app, name="project")
    app.command("retention")(retention_list)
    app.add_typer(targets_app, name="targets")


def _day(value: Optional[str], option: str) -> Optional[date]:
    if value is None or not value.strip():
        return None
    try:
        return parse_date(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{option}: {exc}") from None


def _amount(value: Optional[str], option: str) -> Optional[Decimal]:
    if value is None:
        return None
    try:
        return parse_amount(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{option}: {exc}") from None


def _percent(value: Optional[str], option: str) -> Optional[Decimal]:
    if value is None:
        return None
    try:
        return Decimal(value.strip().replace("％", "%").rstrip("%"))
    except InvalidOperation:
        raise typer.BadParameter(f"{option}: not a percentage: {value!r} (write 3 or 3% for three percent)") from None


def _say(text: str) -> None:
    console().print(text, markup=False, highlight=False)


def _money(amount: Optional[Decimal]) -> str:
    return "none" if amount is None else f"{amount:,.2f}"


def _flags(flags: list[str] | tuple[str, ...]) -> None:
    for flag in flags:
        _say(f"flag: {flag}")


def _line_json(line: ProjectLine) -> dict[str, Any]:
    return {"debtor": line.debtor_code, "debtor_name": line.debtor_name, "contract": line.contract_number,
            "title": line.title, "project": line.project, "project_manager": line.project_manager,
            "currency": line.currency, "value": line.value, "billed": line.billed, "received": line.received,
            "open": line.open, "overdue": line.overdue, "retention_held": line.retention_held,
            "retention_due_date": line.retention_due_date, "next_due_amount": line.next_due_amount,
            "next_due_date": line.next_due_date, "late_interest": line.late_interest,
            "interest_rule": line.interest_rule, "settled_on": line.settled_on, "flags": list(line.flags)}


def projects_list(ctx: typer.Context,
                  pm: Optional[str] = typer.Option(None, "--pm", help="Only this project manager's contracts. 项目经理。"),
                  as_of: Optional[str] = AS_OF, output_format: OutputFormat = FORMAT) -> None:
    """Construction contracts: value, billed, received, open, overdue, retention held and due, next due, late
    interest. 工程项目一览。"""
    from receivables.services import projects
    from receivables.storage.database import unit_of_work

    day = as_of_date(as_of)
    with unit_of_work(state(ctx).open().sessions) as session:
        lines = projects.list_projects(session, day, pm=pm)
    if output_format is OutputFormat.json:
        print_json([_line_json(line) for line in lines])
        return
    print_table(f"Construction contracts as of {day}",
                ["debtor", "contract", "PM", "ccy", "value", "billed", "received", "open", "overdue", "retention",
                 "retention due", "next due", "on", "interest", "flags"],
                [(v.debtor_code, v.contract_number, v.project_manager, v.currency, v.value, v.billed, v.received,
                  v.open, v.overdue, v.retention_held, v.retention_due_date, v.next_due_amount, v.next_due_date,
                  "none" if v.late_interest is None else v.late_interest, len(v.flags) or "") for v in lines],
                right_align=(4, 5, 6, 7, 8, 9, 11, 13))


@project_app.command("show")
def project_show(ctx: typer.Context, number: str = typer.Argument(..., help="Contract number. 合同编号。"),
                 debtor: Optional[str] = DEBTOR, as_of: Optional[str] = AS_OF,
                 output_format: OutputFormat = FORMAT) -> None:
    """One contract: figures, terms, dates with their rules, flags, milestones, items and history. 项目详情。"""
    from receivables.services import projects
    from receivables.storage.database import unit_of_work

    day = as_of_date(as_of)
    with unit_of_work(state(ctx).open().sessions) as session:
        detail = projects.show_project(session, number, day, debtor=debtor)
    if output_format is OutputFormat.json:
        document = {**_line_json(detail.line), "contract_amount": detail.contract_amount,
                    "payment_terms_days": detail.payment_terms_days, "retention_rate": detail.retention_rate,
                    "defect_liability_months": detail.defect_liability_months,
                    "final_payment_days": detail.final_payment_days, "retention_return_on": detail.retention_return_on,
                    "completion_report_on": detail.completion_report_on, "accepted_on": detail.accepted_on,
                    "dates": [{"what": w, "date": d, "rule": r} for w, d, r in detail.dates],
                    "flags": list(detail.flags),
                    "variations": [{"reference": r, "signed_on": d, "amount": a, "description": t}
                                   for r, d, a, t in detail.variations],
                    "milestones": [{"code": m.code, "title": m.title, "percent": m.percent, "amount": m.amount,
                                    "planned_on": m.planned_on,
                                    "billings": [{"receivable": n, "billed_on": d, "amount": a, "due_rule": r}
                                                 for n, d, a, r in m.billings]} for m in detail.milestones],
                    "items": list(detail.items), "history": list(detail.history)}
        print_json(document)
        return
    line = detail.line
    _say(f"{line.contract_number} {line.title or ''} — {line.debtor_code} {line.debtor_name}")
    rate = "-" if detail.retention_rate is None else f"{detail.retention_rate.normalize():f}%"
    _say(f"project {line.project or '-'}, manager {line.project_manager or '-'}; contract {_money(detail.contract_amount)} "
         f"{line.currency}, value with variations {_money(line.value)}; retention {rate}, defect liability "
         f"{detail.defect_liability_months} months, accepted {detail.accepted_on or '-'}, completion report "
         f"{detail.completion_report_on or '-'}, settled {line.settled_on or '-'}")
    _say(f"billed {_money(line.billed)}, received {_money(line.received)}, open {_money(line.open)}, overdue "
         f"{_money(line.overdue)}, retention held {_money(line.retention_held)}, late interest "
         f"{_money(line.late_interest)}")
    _flags(detail.flags)
    if detail.dates:
        print_table("Dates and their rules", ["what", "date", "rule"], detail.dates)
    if detail.variations:
        print_table("Variations", ["reference", "signed", "amount", "description"], detail.variations,
                    right_align=(2,))
    print_table("Milestones", ["code", "title", "percent", "amount", "planned", "billed as"],
                [(m.code, m.title, m.percent, m.amount, m.planned_on,
                  "; ".join(f"{n} {d} {a:,.2f}" for n, d, a, _ in m.billings)) for m in detail.milestones],
                right_align=(2, 3))
    print_table("Items", ["number", "kind", "issued", "due", "amount", "open", "due date rule"],
                [(i.number, i.kind, i.issue_date, i.due_date, i.amount, i.open_amount, i.due_rule)
                 for i in detail.items], right_align=(4, 5))
    print_table("History", ["when", "what", "who"], [(h.on, h.what, h.who) for h in detail.history])


@project_app.command("add")
def project_add(
    ctx: typer.Context, number: str = typer.Argument(..., help="Contract number. 合同编号。"),
    debtor: str = typer.Option(..., "--debtor", help="Debtor (employer) code. 发包人客户编码。"),
    amount: Optional[str] = typer.Option(None, "--amount", help="Contract amount (needed for a new contract). 合同金额。"),
    currency: Optional[str] = typer.Option(None, "--currency", help="Currency of a new contract (default CNY)."),
    title: Optional[str] = typer.Option(None, "--title", help="Contract title. 合同名称。"),
    signed_on: Optional[str] = typer.Option(None, "--signed-on", help="Signing date. 签订日期。"),
    terms_days: Optional[int] = typer.Option(None, "--terms-days", help="Payment terms of progress billings, days. "
                                                                         "进度款付款期限。"),
    project: Optional[str] = typer.Option(None, "--project", help="Project name (default the title). 项目名称。"),
    pm: Optional[str] = typer.Option(None, "--pm", help="Project manager. 项目经理。"),
    retention_rate: str = typer.Option("3", "--retention-rate", help="Retention, percent of the settled amount. "
                                                                      "质保金比例（%）。"),
    defect_months: int = typer.Option(12, "--defect-months", help="Defect-liability period in months. 缺陷责任期（月）。"),
    final_payment_days: Optional[int] = typer.Option(None, "--final-payment-days",
                                                     help="Days after settlement the balance is due (default 90). "
                                                          "结算款付款期限。"),
    return_on: Optional[str] = typer.Option(None, "--return-on", help="Agreed retention return date, if any. "
                                                                      "约定质保金返还日期。"),
    company: Optional[str] = typer.Option(None, "--company", help="Our company (default the one set by init)."),
) -> None:
    """Record a construction contract and its terms (an existing contract becomes a construction contract).
    登记施工合同。"""
    from receivables.services import projects
    from receivables.storage.database import unit_of_work

    cli = state(ctx)
    rate = _percent(retention_rate, "--retention-rate")
    assert rate is not None
    with unit_of_work(cli.open().sessions) as session:
        flags = projects.add_project(
            session, debtor=debtor, number=number, actor=cli.actor, amount=_amount(amount, "--amount"),
            currency=currency, title=title, signed_on=_day(signed_on, "--signed-on"), payment_terms_days=terms_days,
            company=company, project=project, project_manager=pm, retention_rate=rate,
            defect_liability_months=defect_months, final_payment_days=final_payment_days,
            retention_return_on=_day(return_on, "--return-on"))
    _say(f"construction contract {number} recorded for {debtor}")
    _flags(flags)


@project_app.command("edit")
def project_edit(
    ctx: typer.Context, number: str = typer.Argument(..., help="Contract number. 合同编号。"),
    debtor: Optional[str] = DEBTOR,
    project: Optional[str] = typer.Option(None, "--project", help="Project name. 项目名称。"),
    pm: Optional[str] = typer.Option(None, "--pm", help="Project manager. 项目经理。"),
    retention_rate: Optional[str] = typer.Option(None, "--retention-rate", help="Retention percent. 质保金比例。"),
    defect_months: Optional[int] = typer.Option(None, "--defect-months", help="Defect-liability months. 缺陷责任期。"),
    final_payment_days: Optional[int] = typer.Option(None, "--final-payment-days", help="Final-payment term, days."),
    return_on: Optional[str] = typer.Option(None, "--return-on", help="Agreed retention return date. 约定返还日期。"),
) -> None:
    """Change a contract's construction terms (retention terms are fixed once settled). 修改项目条款。"""
    from receivables.services import projects
    from receivables.storage.database import unit_of_work

    changes: dict[str, Any] = {name: value for name, value in (
        ("project", project), ("project_manager", pm), ("retention_rate", _percent(retention_rate, "--retention-rate")),
        ("defect_liability_months", defect_months), ("final_payment_days", final_payment_days),
        ("retention_return_on", _day(return_on, "--return-on"))) if value is not None}
    if not changes:
        raise typer.BadParameter("nothing to change: give at least one option")
    cli = state(ctx)
    with unit_of_work(cli.open().sessions) as session:
        flags = projects.edit_project(session, number, changes, actor=cli.actor, debtor=debtor)
    _say(f"contract {number}: changed {', '.join(changes)}")
    _flags(flags)


@project_app.command("variation")
def project_variation(
    ctx: typer.Context, number: str = typer.Argument(..., help="Contract number. 合同编号。"),
    reference: str = typer.Argument(..., help="Change-order reference. 变更单号。"),
    amount: str = typer.Option(..., "--amount", help="Plus or minus, e.g. 120000 or -50000. 变更金额（可为负）。"),
    on: str = typer.Option(..., "--on", help="Date signed. 签订日期。"),
    description: Optional[str] = typer.Option(None, "--description", help="What changed. 变更内容。"),
    debtor: Optional[str] = DEBTOR,
) -> None:
    """Record a signed variation (change order) on the contract value. 登记合同变更。"""
    from receivables.services import projects
    from receivables.storage.database import unit_of_work

    cli = state(ctx)
    value = _amount(amount, "--amount")
    signed = _day(on, "--on")
    assert value is not None and signed is not None
    with unit_of_work(cli.open().sessions) as session:
        total = projects.add_variation(session, number, reference=reference, amount=value, signed_on=signed,
                                       actor=cli.actor, description=description, debtor=debtor)
    _say(f"variation {reference} recorded; contract value now {total:,.2f}")


@project_app.command("milestone")
def project_milestone(
    ctx: typer.Context, number: str = typer.Argument(..., help="Contract number. 合同编号。"),
    code: str = typer.Argument(..., help="Milestone code, e.g. M1. 节点编号。"),
    percent: Optional[str] = typer.Option(None, "--percent", help="Percent of the contract value. 付款比例。"),
    amount: Optional[str] = typer.Option(None, "--amount", help="Or a fixed amount. 或固定金额。"),
    title: Optional[str] = typer.Option(None, "--title", help="What it stands for. 节点名称。"),
    planned_on: Optional[str] = typer.Option(None, "--planned-on", help="Planned billing date. 计划日期。"),
    debtor: Optional[str] = DEBTOR,
) -> None:
    """Add a progress-billing milestone (percent or amount). 添加进度款节点。"""
    from receivables.services import projects
    from receivables.storage.database import unit_of_work

    cli = state(ctx)
    with unit_of_work(cli.open().sessions) as session:
        projects.add_milestone(session, number, code=code, actor=cli.actor, percent=_percent(percent, "--percent"),
                               amount=_amount(amount, "--amount"), title=title,
                               planned_on=_day(planned_on, "--planned-on"), debtor=debtor)
    _say(f"milestone {code} added to contract {number}")


@project_app.command("bill")
def project_bill(
    ctx: typer.Context, number: str = typer.Argument(..., help="Contract number. 合同编号。"),
    code: str = typer.Argument(..., help="Milestone code. 节点编号。"),
    on: Optional[str] = typer.Option(None, "--on", help="Billing date (default today). 开票日期。"),
    invoice: Optional[str] = typer.Option(None, "--invoice", help="Item number (default CONTRACT-CODE). 发票号。"),
    amount: Optional[str] = typer.Option(None, "--amount", help="Billed amount (default from the milestone)."),
    again: bool = typer.Option(False, "--again", help="Bill a milestone that was billed before (flagged). 重复开票。"),
    debtor: Optional[str] = DEBTOR,
) -> None:
    """Bill a milestone: a progress receivable due per the payment terms. 进度款开票。"""
    from receivables.services import projects
    from receivables.storage.database import unit_of_work

    cli = state(ctx)
    day = _day(on, "--on") or as_of_date(None)
    with unit_of_work(cli.open().sessions) as session:
        item = projects.bill_milestone(session, number, code, billed_on=day, actor=cli.actor, debtor=debtor,
                                       invoice=invoice, amount=_amount(amount, "--amount"), again=again)
    _say(f"billed {item.number}: {item.amount:,.2f} due {item.due_date} ({item.due_rule})")


@project_app.command("accept")
def project_accept(
    ctx: typer.Context, number: str = typer.Argument(..., help="Contract number. 合同编号。"),
    on: Optional[str] = typer.Option(None, "--on", help="Completion acceptance date. 竣工验收日期。"),
    report: Optional[str] = typer.Option(None, "--report", help="Completion report date, when the employer delays "
                                                                "acceptance. 提交竣工验收报告日期。"),
    debtor: Optional[str] = DEBTOR,
) -> None:
    """Record completion acceptance (or the completion report). 登记竣工验收。"""
    from receivables.services import projects
    from receivables.storage.database import unit_of_work

    cli = state(ctx)
    with unit_of_work(cli.open().sessions) as session:
        projects.record_acceptance(session, number, actor=cli.actor, debtor=debtor, accepted_on=_day(on, "--on"),
                                   completion_report_on=_day(report, "--report"))
    _say(f"contract {number}: acceptance recorded")


@project_app.command("settle")
def project_settle(
    ctx: typer.Context, number: str = typer.Argument(..., help="Contract number. 合同编号。"),
    on: str = typer.Option(..., "--on", help="Settlement date. 结算日期。"),
    amount: str = typer.Option(..., "--amount", help="Settled amount. 结算金额。"),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation. 不再确认。"),
    debtor: Optional[str] = DEBTOR,
) -> None:
    """Record the settlement: creates the balance (or a credit) and the retention receivable; cannot be undone.
    登记结算（生成结算款与质保金应收）。"""
    from receivables.services import projects
    from receivables.storage.database import unit_of_work

    settled = _amount(amount, "--amount")
    day = _day(on, "--on")
    assert settled is not None and day is not None
    if not yes and not typer.confirm(f"Settle contract {number} at {settled:,.2f} on {day}? This creates the "
                                     "settlement balance and retention items. 确认结算？"):
        raise typer.Exit(1)
    cli = state(ctx)
    with unit_of_work(cli.open().sessions) as session:
        view = projects.settle(session, number, settled_on=day, settled_amount=settled, actor=cli.actor,
                               debtor=debtor)
    _say(f"contract {number} settled at {view.settled_amount:,.2f}: billed {view.billed:,.2f}, "
         f"retention {view.retention:,.2f}, balance {view.balance:,.2f}")
    for item in view.items:
        _say(f"  {item.kind} {item.number}: {item.amount:,.2f} due {item.due_date} ({item.due_rule})")
    if view.claim_from is not None:
        _say(f"  retention claimable from {view.claim_from} ({view.claim_rule})")
    _flags(view.flags)


def retention_list(ctx: typer.Context,
                   within: Optional[int] = typer.Option(None, "--within", min=0,
                                                        help="Only what falls due within DAYS (overdue included). "
                                                             "天数内到期。"),
                   as_of: Optional[str] = AS_OF, output_format: OutputFormat = FORMAT) -> None:
    """Retention money held: overdue and coming due, with the rule of each date. 质保金到期。"""
    from receivables.services import projects
    from receivables.storage.database import unit_of_work

    day = as_of_date(as_of)
    with unit_of_work(state(ctx).open().sessions) as session:
        views = projects.retention_due(session, day, within_days=within)
    if output_format is OutputFormat.json:
        print_json([{**_retention_json(v), "days_to_due": (v.due_date - day).days,
                     "status": "overdue" if v.due_date < day else "coming due"} for v in views])
        return
    print_table(f"Retention as of {day}", ["debtor", "contract", "item", "PM", "ccy", "amount", "due",
                                           "days to due", "rule", "claimable from"],
                [(v.debtor_code, v.contract_number, v.receivable_number, v.project_manager, v.currency, v.amount,
                  v.due_date, (v.due_date - day).days, v.rule, v.claim_from) for v in views], right_align=(5, 7))


def _retention_json(view: RetentionDue) -> dict[str, Any]:
    return {"debtor": view.debtor_code, "debtor_name": view.debtor_name, "contract": view.contract_number,
            "receivable": view.receivable_number, "project_manager": view.project_manager, "amount": view.amount,
            "currency": view.currency, "due_date": view.due_date, "rule": view.rule, "claim_from": view.claim_from,
            "claim_rule": view.claim_rule}


@targets_app.command("set")
def targets_set(
    ctx: typer.Context,
    scope: str = typer.Option(..., "--scope", help="project, contract, collector or company. 范围。"),
    name: str = typer.Option(..., "--name", help="The project, contract number, collector or company. 名称。"),
    period: str = typer.Option(..., "--period", help="2026 (year), 2026-Q4 (quarter) or 2026-11 (month). 期间。"),
    amount: str = typer.Option(..., "--amount", help="Amount to recover in the period. 目标金额。"),
    currency: str = typer.Option("CNY", "--currency"),
) -> None:
    """Set the amount to recover in a period (replaces an earlier target). 设定回款目标。"""
    from receivables.services import targets
    from receivables.storage.database import unit_of_work

    cli = state(ctx)
    value = _amount(amount, "--amount")
    assert value is not None
    with unit_of_work(cli.open().sessions) as session:
        view = targets.set_target(session, scope=scope, name=name, period=period, amount=value, actor=cli.actor,
                                  currency=currency)
    _say(f"target {'set' if view.created else 'changed'}: {view.scope} {view.name} {view.period} "
         f"{view.currency} {view.amount:,.2f}")


@targets_app.command("report")
def targets_report(ctx: typer.Context,
                   period: str = typer.Option(..., "--period", help="2026, 2026-Q4 or 2026-11. 期间。"),
                   output_format: OutputFormat = FORMAT) -> None:
    """Targets of a period: target, recovered in the period, rate, open amount left. 回款目标完成情况。"""
    from receivables.services import targets
    from receivables.storage.database import unit_of_work

    with unit_of_work(state(ctx).open().sessions) as session:
        lines = targets.targets_report(session, period)
    if output_format is OutputFormat.json:
        print_json(lines)
        return
    print_table(f"Collection targets {period}", ["scope", "name", "ccy", "target", "recovered", "rate %", "open left"],
                [(v.scope, v.name, v.currency, v.target, v.recovered,
                  "" if v.rate_percent is None else f"{v.rate_percent:.2f}", v.open_left) for v in lines],
                right_align=(3, 4, 5, 6))
