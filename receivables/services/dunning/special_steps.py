"""Steps a run proposes outside the ladder, whatever a debtor's level: the retention release request ahead of
its date, and an evidence-producing letter before a claim's limitation period ends.

Both are numbered at or below zero, so they never move a debtor's level, and each has its own number so a
debtor can get both (and a ladder step) in one run.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from receivables.domain import projects as project_rules
from receivables.domain.calendar import RestDayCalendar
from receivables.domain.dunning import Level
from receivables.domain.escalation import route
from receivables.domain.money import ZERO
from receivables.services.dunning.runs import Outlook, Proposal, _contacts, _interest
from receivables.services.errors import Refused
from receivables.services.legal import ExpiringClaim, expiring_claims
from receivables.services.projects import RetentionDue, retention_release_candidates
from receivables.storage.queries.dunning import DunnableItem
from receivables.storage.schema import Company, Contract, Debtor, Letter, Receivable
from receivables.storage.schema.dunning import DunningProposalItem
from receivables.storage.schema.projects import ConstructionProject, ProjectSettlement

RETENTION_NOTICE_DAYS = 30
"""The release request goes out this many days before retention falls due (the employer has 14 days to
verify and 14 more to pay: a request a month ahead lets both run before the date)."""
EVIDENCE_WINDOW_DAYS = 90
"""A claim whose limitation period ends within this many days gets an evidence-producing step."""
REPEAT_AFTER_DAYS = 30
"""Neither step is proposed again for a debtor while a letter of its kind is younger than this: the proof
of delivery of the last one is still on its way."""

RETENTION_STEP = Level(number=0, name="retention release request", days=0, action="letter",
                       roles=("finance", "project", "boss"), channel="registered_mail", template="retention_release",
                       approver="finance")
EVIDENCE_STEP = Level(number=-1, name="limitation: collection notice with receipt", days=0, action="letter",
                      roles=("finance", "boss"), channel="registered_mail", template="collection_notice",
                      approver="legal")


def special_proposals(session: Session, as_of: date, seen: Outlook, *,
                      rest_days: RestDayCalendar | None = None) -> list[Proposal]:
    """Retention release requests and limitation evidence steps due on `as_of` (set-based)."""
    retention = retention_release_candidates(session, as_of, RETENTION_NOTICE_DAYS)
    claims = expiring_claims(session, as_of, EVIDENCE_WINDOW_DAYS, rest_days=rest_days)
    recent = _recent_letters(session, as_of, {RETENTION_STEP.template or "", EVIDENCE_STEP.template or ""})
    steps = {RETENTION_STEP.number: RETENTION_STEP, EVIDENCE_STEP.number: EVIDENCE_STEP}
    wanted: dict[tuple[str, int], list[tuple[str, str]]] = defaultdict(list)
    for due in retention:
        if (due.debtor_code, RETENTION_STEP.template) not in recent:
            wanted[(due.debtor_code, RETENTION_STEP.number)].append(
                (due.receivable_number, _retention_gap(session, due)))
    for claim in claims:
        if (claim.debtor_code, EVIDENCE_STEP.template) not in recent:
            wanted[(claim.debtor_code, EVIDENCE_STEP.number)].append((claim.receivable_number, _evidence_note(claim)))
    if not wanted:
        return []
    items = _items(session, {(code, item) for (code, _), found in wanted.items() for item, _ in found})
    debtors = {row.code: row for row in session.execute(
        select(Debtor.id, Debtor.code, Debtor.name, Debtor.collector, Debtor.dunning_policy_id, Debtor.segment)
        .where(Debtor.code.in_(sorted({code for code, _ in wanted}))))}
    contacts = _contacts(session, [row.id for row in debtors.values()])
    interest, problems = _interest(session, as_of, [i for i in items.values() if i.due_date < as_of])
    proposals = []
    for (code, number), found in sorted(wanted.items(), key=lambda entry: (entry[0][0], -entry[0][1])):
        step = steps[number]
        debtor = debtors[code]
        by_currency: dict[str, list[tuple[DunnableItem, str]]] = defaultdict(list)
        for item_number, note in found:
            item = items[(code, item_number)]
            by_currency[item.currency].append((item, note))
        for currency, covered in sorted(by_currency.items()):
            routed = route(debtor.name, contacts.get(debtor.id, []), step.roles)
            notes = [note for _, note in covered if note]
            gaps = [*routed.gaps, *notes, *(problems[i.receivable_id] for i, _ in covered if i.receivable_id in problems)]
            proposals.append(Proposal(
                debtor.id, code, debtor.name, debtor.collector, currency,
                seen.book.policy_id_for(debtor.dunning_policy_id, debtor.segment), step,
                tuple(i for i, _ in covered), sum((i.open_amount for i, _ in covered), ZERO),
                sum((interest.get(i.receivable_id, ZERO) for i, _ in covered), ZERO), ZERO,
                tuple({"name": r.name, "role": r.role, "reason": r.reason, "contact_id": r.contact_id}
                      for r in routed.recipients),
                tuple(dict.fromkeys(gaps))))
    return proposals


def _recent_letters(session: Session, as_of: date, kinds: set[str]) -> set[tuple[str, str]]:
    """(debtor code, template kind) of the letters of those kinds issued in the last REPEAT_AFTER_DAYS."""
    since = as_of - timedelta(days=REPEAT_AFTER_DAYS)
    return set((code, kind) for code, kind in session.execute(select(Debtor.code, Letter.template_kind).join(Debtor, Debtor.id == Letter.debtor_id)
                               .where(Letter.template_kind.in_(sorted(kinds)), Letter.letter_date > since,
                                      Letter.letter_date <= as_of)).all())


def _items(session: Session, wanted: set[tuple[str, str]]) -> dict[tuple[str, str], DunnableItem]:
    """The named items as the run covers them, with the late-interest rule in force for each."""
    codes = sorted({code for code, _ in wanted})
    numbers = sorted({number for _, number in wanted})
    rows = session.execute(
        select(Receivable.id, Receivable.debtor_id, Receivable.currency, Receivable.number, Receivable.due_date,
               Receivable.open_amount, Contract.interest_rule, Company.default_interest_rule, Debtor.code)
        .join(Debtor, Debtor.id == Receivable.debtor_id).join(Company, Company.id == Receivable.company_id)
        .outerjoin(Contract, Contract.id == Receivable.contract_id)
        .where(Debtor.code.in_(codes), Receivable.number.in_(numbers)))
    return {(row.code, row.number): DunnableItem(row.id, row.debtor_id, row.currency, row.number, row.due_date,
                                                 row.open_amount, row.interest_rule or row.default_interest_rule)
            for row in rows if (row.code, row.number) in wanted}


def _retention_gap(session: Session, due: RetentionDue) -> str:
    """Why the request letter cannot be written yet, if it cannot (it needs the settlement and acceptance)."""
    facts = retention_letter_facts(session, due.contract_number, due.debtor_code)
    if isinstance(facts, str):
        return facts
    return ""


def _evidence_note(claim: ExpiringClaim) -> str:
    return (f"{claim.receivable_number}: limitation period ends {claim.expires_on} ({claim.days_left} days); "
            "the debtor's signed receipt or an evidenced delivery restarts it")


def retention_letter_facts(session: Session, contract_number: str, debtor_code: str) -> dict[str, Any] | str:
    """The `project` and `contract` fields of the retention release request, or why they are missing."""
    row = session.execute(
        select(Contract, ConstructionProject, ProjectSettlement)
        .join(Debtor, Debtor.id == Contract.debtor_id)
        .outerjoin(ConstructionProject, ConstructionProject.contract_id == Contract.id)
        .outerjoin(ProjectSettlement, ProjectSettlement.contract_id == Contract.id)
        .where(Contract.number == contract_number, Debtor.code == debtor_code)).first()
    if row is None or row[1] is None:
        return f"contract {contract_number} has no construction facts: record them with `receivables project add`"
    contract, facts, settlement = row
    start = project_rules.defect_liability_start(facts.accepted_on, facts.completion_report_on)
    if settlement is None or start is None:
        return (f"contract {contract_number}: the release request needs the settlement and the acceptance date "
                "(`receivables project settle`, `receivables project accept`)")
    schedule = project_rules.retention_schedule(start, facts.defect_liability_months, facts.retention_return_on)
    return {
        "project": {"name": facts.project or contract.title or contract.number, "acceptance_date": start.on,
                    "settlement_amount": settlement.settled_amount, "retention_rate": facts.retention_rate / 100,
                    "retention_amount": settlement.retention_amount,
                    "defect_period_months": facts.defect_liability_months,
                    "defect_period_end": schedule.period_end.on},
        "contract": {"number": contract.number, "name": contract.title or contract.number,
                     "date": contract.signed_on},
    }


def retention_letter_extra(session: Session, proposal_id: int, debtor_code: str) -> dict[str, Any]:
    """Letter fields for a retention release step: the contract of its first retention item; a step whose
    contract lacks the facts is refused with the reason (the execution records it as failed)."""
    contract = session.execute(
        select(Contract.number).join(Receivable, Receivable.contract_id == Contract.id)
        .join(DunningProposalItem, DunningProposalItem.receivable_id == Receivable.id)
        .where(DunningProposalItem.proposal_id == proposal_id).order_by(Receivable.due_date, Receivable.number)
    ).scalars().first()
    if contract is None:
        raise Refused("the retention item belongs to no contract: the release request cannot name it")
    facts = retention_letter_facts(session, contract, debtor_code)
    if isinstance(facts, str):
        raise Refused(facts)
    return facts
