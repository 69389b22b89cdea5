"""Importing construction contracts with their terms, their milestones, and their settlements: the same rules as
`receivables project add/milestone/settle`, all or nothing, every bad row reported."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from receivables.domain import projects as rules
from receivables.files.columns import COMPANY, CONTRACT_COLUMNS
from receivables.files.tables import Column
from receivables.services.imports.context import (
    ImportContext,
    Lookups,
    Parsed,
    RowRejected,
    amount_cell,
    date_cell,
    positive_int_cell,
    text_cell,
)
from receivables.services.imports.parties import parse_contract, write_contracts
from receivables.services.project_records import (
    PROJECT_ROLES,
    MilestoneRequest,
    Outcome,
    ProjectTerms,
    SettlementRequest,
    project_key,
    save_milestones,
    save_terms,
    settle_contracts,
)
from receivables.services.users import require_role
from receivables.storage import audit
from receivables.storage.bulk import join_keys
from receivables.storage.schema import Contract, Debtor

_DEBTOR = Column("debtor", ("客户编码", "客户代码", "债务人编码", "debtor_code"))
_CONTRACT = Column("contract", ("合同编号", "合同号", "contract_number", "contract_no"))

PROJECT_COLUMNS = (
    *(c for c in CONTRACT_COLUMNS if c.name not in ("kind", "company")),
    Column("project", ("项目", "项目名称", "工程名称", "project_name"), required=False),
    Column("project_manager", ("项目经理", "项目负责人", "pm"), required=False),
    Column("retention_rate", ("质保金比例", "质量保证金比例", "保证金比例", "retention"), required=False),
    Column("defect_liability_months", ("缺陷责任期", "缺陷责任期月数", "质保期", "defect_liability"), required=False),
    Column("final_payment_days", ("结算款付款期限", "尾款期限", "final_payment_term"), required=False),
    Column("retention_return_on", ("质保金返还日期", "约定返还日期", "retention_return_date"), required=False),
    Column("completion_report_on", ("竣工报告日期", "提交竣工验收报告日期", "completion_report_date"), required=False),
    Column("accepted_on", ("竣工验收日期", "验收日期", "acceptance_date"), required=False),
    COMPANY,
)

MILESTONE_COLUMNS = (
    _DEBTOR, _CONTRACT,
    Column("code", ("节点编号", "节点", "里程碑", "milestone")),
    Column("title", ("节点名称", "说明", "milestone_title"), required=False),
    Column("percent", ("比例", "付款比例", "进度比例", "percentage"), required=False),
    Column("amount", ("金额", "节点金额"), required=False),
    Column("planned_on", ("计划日期", "计划付款日期", "planned_date"), required=False),
)

SETTLEMENT_COLUMNS = (
    _DEBTOR, _CONTRACT,
    Column("settled_on", ("结算日期", "审定日期", "settlement_date")),
    Column("settled_amount", ("结算金额", "审定金额", "结算价", "settlement_amount")),
)


def percent_cell(cells: dict[str, Any], column: str, *, required: bool = False) -> Decimal | None:
    """A percentage written 3, 3%, 3.5 or ３％ (always percent, never a fraction)."""
    raw = text_cell(cells, column)
    if not raw:
        if required:
            raise RowRejected(column, "", "required percentage is empty")
        return None
    cleaned = raw.replace("％", "%").rstrip("%").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise RowRejected(column, raw, "not a percentage (write 3 or 3% for three percent)") from None
    if not value.is_finite() or value.as_tuple().exponent < -8:  # type: ignore[operator]
        raise RowRejected(column, raw, "a percentage with at most eight decimals")
    return value


def parse_project(lookups: Lookups, cells: dict[str, Any]) -> dict[str, Any]:
    contract = parse_contract(lookups, {**cells, "kind": "construction"})
    if contract["amount"] is None:
        raise RowRejected("amount", "", "a construction contract needs its amount")
    months = positive_int_cell(cells, "defect_liability_months")
    rate = percent_cell(cells, "retention_rate")
    return {**contract,
            "project": text_cell(cells, "project", max_length=200) or None,
            "project_manager": text_cell(cells, "project_manager", max_length=100) or None,
            "retention_rate": rules.RETENTION_CAP_PERCENT if rate is None else rate,
            "defect_liability_months": rules.DEFAULT_DEFECT_LIABILITY_MONTHS if months is None else months,
            "final_payment_days": positive_int_cell(cells, "final_payment_days"),
            "retention_return_on": date_cell(cells, "retention_return_on", required=False),
            "completion_report_on": date_cell(cells, "completion_report_on", required=False),
            "accepted_on": date_cell(cells, "accepted_on", required=False)}


_TERMS = ("project", "project_manager", "retention_rate", "defect_liability_months", "final_payment_days",
          "retention_return_on", "completion_report_on", "accepted_on")


def _contract_ids(context: ImportContext, keys: set[tuple[int, str]]) -> dict[tuple[int, str], tuple[int, str]]:
    """(debtor id, contract number) -> (contract id, debtor code), in one query."""
    if not keys:
        return {}
    rows = context.session.execute(join_keys(
        context.session, select(Contract.id, Contract.debtor_id, Contract.number, Debtor.code)
        .join(Debtor, Debtor.id == Contract.debtor_id), (Contract.debtor_id, Contract.number), keys))
    return {(r.debtor_id, r.number): (r.id, r.code) for r in rows}


def _report(context: ImportContext, rows: list[int], outcome: Outcome, action: str) -> None:
    for index, column, reason in outcome.problems:
        context.problem(rows[index], column, None, reason)
    context.inserted += outcome.inserted
    context.updated += outcome.updated
    context.unchanged += outcome.unchanged
    audit.record_many(context.session, context.actor, action, "project", outcome.changes)


def write_projects(context: ImportContext, chunk: Parsed) -> None:
    require_role(context.session, context.actor, PROJECT_ROLES, doing="importing projects")
    contract_fields = [(n, {k: v for k, v in values.items() if k not in _TERMS}) for n, values in chunk]
    counts = (context.inserted, context.updated, context.unchanged)
    write_contracts(context, contract_fields)
    # The row counts are the construction facts'; the contracts' own changes are audited as usual.
    context.inserted, context.updated, context.unchanged = counts
    found = _contract_ids(context, {(v["debtor_id"], v["number"]) for _, v in chunk})
    rows, batch, keys = [], [], []
    for number, values in chunk:
        contract_id, code = found.get((values["debtor_id"], values["number"]), (None, ""))
        if contract_id is None:
            continue
        rows.append(number)
        batch.append(ProjectTerms(contract_id, **{k: values[k] for k in _TERMS}))
        keys.append(project_key(code, values["number"]))
    _report(context, rows, save_terms(context.session, batch, keys), "import.projects")


def parse_milestone(lookups: Lookups, cells: dict[str, Any]) -> dict[str, Any]:
    return {"debtor_id": lookups.debtor_id(cells),
            "contract": text_cell(cells, "contract", required=True, max_length=64),
            "code": text_cell(cells, "code", required=True, max_length=64),
            "title": text_cell(cells, "title") or None,
            "percent": percent_cell(cells, "percent"),
            "amount": amount_cell(cells, "amount", required=False),
            "planned_on": date_cell(cells, "planned_on", required=False)}


def _requests(context: ImportContext, chunk: Parsed) -> tuple[list[int], list[tuple[int, dict[str, Any]]], list[str]]:
    """The rows whose contract exists (others are reported), with their contract id and key."""
    found = _contract_ids(context, {(v["debtor_id"], v["contract"]) for _, v in chunk})
    rows, known, keys = [], [], []
    for number, values in chunk:
        contract_id, code = found.get((values["debtor_id"], values["contract"]), (None, ""))
        if contract_id is None:
            context.problem(number, "contract", values["contract"], "unknown contract for this debtor "
                                                                    "(import projects first)")
            continue
        rows.append(number)
        known.append((contract_id, values))
        keys.append(project_key(code, values["contract"]))
    return rows, known, keys


def write_milestones(context: ImportContext, chunk: Parsed) -> None:
    require_role(context.session, context.actor, PROJECT_ROLES, doing="importing project milestones")
    rows, known, keys = _requests(context, chunk)
    batch = [MilestoneRequest(contract_id, v["code"], v["title"], v["percent"], v["amount"], v["planned_on"])
             for contract_id, v in known]
    _report(context, rows, save_milestones(context.session, batch, keys), "import.milestones")


def parse_settlement(lookups: Lookups, cells: dict[str, Any]) -> dict[str, Any]:
    return {"debtor_id": lookups.debtor_id(cells),
            "contract": text_cell(cells, "contract", required=True, max_length=64),
            "settled_on": date_cell(cells, "settled_on"),
            "settled_amount": amount_cell(cells, "settled_amount")}


def write_settlements(context: ImportContext, chunk: Parsed) -> None:
    require_role(context.session, context.actor, PROJECT_ROLES, doing="importing project settlements")
    rows, known, keys = _requests(context, chunk)
    batch = [SettlementRequest(contract_id, v["settled_on"], v["settled_amount"]) for contract_id, v in known]
    outcome, _ = settle_contracts(context.session, batch, keys, actor=context.actor)
    _report(context, rows, outcome, "import.settlements")
