"""Dunning runs: proposing each debtor's next step for a date (dry or stored), and approving the proposals."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from receivables.domain.calendar import RestDayCalendar
from receivables.domain.dunning import Decision, Level, Policy, Standing, next_step
from receivables.domain.escalation import route
from receivables.domain.interest import InterestError, PaymentIn, late_interest, parse_rule
from receivables.domain.money import ZERO
from receivables.domain.orgchart import OrgContact
from receivables.services.dunning.policies import PolicyBook, ensure_policies, policy_book
from receivables.services.errors import Refused, UnknownRecord
from receivables.services.promises import list_promises
from receivables.services.rates import load_series
from receivables.services.users import RoleRequired, require_role
from receivables.storage import audit
from receivables.storage.queries.dunning import (
    DebtorPosition,
    DunnableItem,
    debtors_above_level_zero,
    dunning_selection,
    paid_after_due,
)
from receivables.storage.schema import Contact
from receivables.storage.schema.dunning import (
    DunningAction,
    DunningApproval,
    DunningProposal,
    DunningProposalItem,
    DunningRun,
)
from receivables.storage.schema.parties import Debtor

OPEN_RUN_STATES = ("proposed", "approved")


class RunRefused(Refused):
    """The run cannot be approved or executed as asked; nothing was written."""


@dataclass(frozen=True, slots=True)
class Proposal:
    """One debtor's next step in one currency, with what it covers and whom it reaches."""

    debtor_id: int
    debtor: str
    debtor_name: str
    collector: str | None
    currency: str
    policy_id: int
    level: Level
    items: tuple[DunnableItem, ...]
    open: Decimal
    interest: Decimal
    fees: Decimal
    recipients: tuple[dict[str, Any], ...]
    gaps: tuple[str, ...]

    def as_document(self) -> dict[str, Any]:
        """The proposal as `dunning run --format json` prints it."""
        return {"debtor": self.debtor, "level": self.level.number, "action": self.level.action,
                "items": [i.number for i in self.items], "open": self.open, "interest": self.interest,
                "fees": self.fees, "recipients": list(self.recipients), "gaps": list(self.gaps)}


@dataclass(frozen=True, slots=True)
class RunResult:
    run: int | None
    as_of: date
    proposals: tuple[Proposal, ...]
    resets: tuple[str, ...] = ()
    note: str | None = None

    def as_document(self) -> dict[str, Any]:
        return {"run": self.run, "as_of": self.as_of, "proposals": [p.as_document() for p in self.proposals]}


@dataclass(frozen=True, slots=True)
class Outlook:
    """Everything the choice of steps saw on a date: positions, decisions, promises (shared with the worklist)."""

    book: PolicyBook
    positions: tuple[DebtorPosition, ...]
    decisions: dict[tuple[int, str], Decision]
    broken: dict[str, int]
    resets: dict[int, str] = field(default_factory=dict)
    items: tuple[DunnableItem, ...] = ()


def outlook(session: Session, as_of: date, *, collector: str | None = None) -> Outlook:
    """Each debtor's position per currency and the step due for it (set-based; promises per debtor)."""
    book = policy_book(session)
    horizon = max(p.horizon_days for p in book.policies.values())
    selection = dunning_selection(session, as_of, horizon, collector=collector)
    positions = selection.positions
    broken: dict[str, int] = defaultdict(int)
    pending: set[str] = set()
    for promise in list_promises(session, as_of):
        if promise.status == "broken":
            broken[promise.debtor] += 1
        elif promise.status == "pending":
            pending.add(promise.debtor)
    decisions: dict[tuple[int, str], Decision] = {}
    in_credit: dict[int, bool] = {}
    for position in positions:
        policy = policy_of(book, position)
        standing = Standing(position.level, position.balance, position.overdue, position.due_soon,
                            (as_of - position.oldest_due).days if position.oldest_due else None,
                            position.stepped_on, broken.get(position.code, 0), position.code in pending)
        decisions[(position.debtor_id, position.currency)] = next_step(policy, standing, as_of)
        in_credit[position.debtor_id] = in_credit.get(position.debtor_id, True) and position.balance <= ZERO
    # In credit in every currency, or nothing open at all: back to level 0.
    stepped = debtors_above_level_zero(session, collector)
    resets = {did: code for did, code in stepped.items() if in_credit.get(did, True)}
    return Outlook(book, positions, decisions, dict(broken), resets, selection.items)


def policy_of(book: PolicyBook, position: DebtorPosition) -> Policy:
    return book.policies[book.policy_id_for(position.policy_id, position.segment)]


def _contacts(session: Session, debtor_ids: Sequence[int]) -> dict[int, list[OrgContact]]:
    found: dict[int, list[OrgContact]] = defaultdict(list)
    if not debtor_ids:
        return found
    wanted = set(debtor_ids)
    for row in session.execute(select(Contact.id, Contact.debtor_id, Contact.name, Contact.role, Contact.title,
                                      Contact.stance, Contact.reports_to_id, Contact.decision_maker, Contact.active,
                                      Contact.department).order_by(Contact.id)):
        if row.debtor_id in wanted:
            found[row.debtor_id].append(OrgContact(row.id, row.debtor_id, row.name, row.role, row.title, row.stance,
                                                   row.reports_to_id, row.decision_maker, row.active,
                                                   row.department))
    return found


def _interest(session: Session, as_of: date, items: Sequence[DunnableItem]) -> tuple[dict[int, Decimal], dict[int, str]]:
    """Late interest per overdue item by its rule (contract's, else the company default); problems per item."""
    charged = [i for i in items if i.interest_rule and i.due_date < as_of]
    if not charged:
        return {}, {}
    paid = paid_after_due(session, as_of, [i.receivable_id for i in charged])
    series = load_series(session)
    amounts: dict[int, Decimal] = {}
    problems: dict[int, str] = {}
    for item in charged:
        later = [PaymentIn(day, amount) for day, amount in paid.get(item.receivable_id, [])]
        try:
            rule = parse_rule(item.interest_rule or "")
            result = late_interest(item.open_amount + sum((p.amount for p in later), ZERO),
                                   item.due_date + timedelta(days=1), as_of, rule, payments=later, rates=series,
                                   currency=item.currency)
        except InterestError as exc:
            problems[item.receivable_id] = f"no interest on {item.number}: {exc}"
            continue
        amounts[item.receivable_id] = result.total
    return amounts, problems


def build_proposals(session: Session, as_of: date, seen: Outlook) -> list[Proposal]:
    """The proposals for every debtor with a step due: covered items, interest, fees, routed recipients."""
    due = {key: d.level for key, d in seen.decisions.items() if d.level is not None}
    if not due:
        return []
    debtor_ids = sorted({debtor_id for debtor_id, _ in due})
    covered: dict[tuple[int, str], list[DunnableItem]] = defaultdict(list)
    for item in seen.items:
        level = due.get((item.debtor_id, item.currency))
        if level is not None and (as_of - item.due_date).days >= level.first_item_day:
            covered[(item.debtor_id, item.currency)].append(item)
    interest, interest_problems = _interest(session, as_of, [i for items in covered.values() for i in items])
    contacts = _contacts(session, debtor_ids)
    proposals = []
    for position in seen.positions:
        key = (position.debtor_id, position.currency)
        level = due.get(key)
        if level is None or not covered[key]:
            continue
        items = tuple(covered[key])
        found = route(position.name, contacts.get(position.debtor_id, []), level.roles)
        gaps = list(found.gaps) + [interest_problems[i.receivable_id] for i in items if i.receivable_id in interest_problems]
        proposals.append(Proposal(
            position.debtor_id, position.code, position.name, position.collector, position.currency,
            seen.book.policy_id_for(position.policy_id, position.segment), level, items,
            sum((i.open_amount for i in items), ZERO), sum((interest.get(i.receivable_id, ZERO) for i in items), ZERO),
            level.fee_in(position.currency),
            tuple({"name": r.name, "role": r.role, "reason": r.reason, "contact_id": r.contact_id}
                  for r in found.recipients),
            tuple(gaps)))
    return proposals


def executed_run(session: Session, as_of: date) -> DunningRun | None:
    """The run for `as_of` that has been (or is being) executed, if any."""
    return session.execute(select(DunningRun).where(DunningRun.as_of == as_of,
                                                    DunningRun.status.in_(("executing", "executed")))
                           .order_by(DunningRun.id)).scalars().first()


def propose(session: Session, as_of: date, *, actor: str, dry_run: bool = False,
            rest_days: RestDayCalendar | None = None) -> RunResult:
    """Propose each debtor's next step on `as_of`; stored as a run unless `dry_run` (which writes nothing).

    A date that already has an executed run gets nothing new. A stored run supersedes any earlier run not
    yet executed, so two runs never send the same step. Debtors whose balance is zero or in credit drop
    back to level 0 (when stored).
    """
    done = executed_run(session, as_of)
    if done is not None:
        return RunResult(None, as_of, (), (), f"run {done.id} for {as_of} was already executed: nothing new proposed")
    if not dry_run:
        ensure_policies(session, actor=actor)
    from receivables.services.dunning.special_steps import special_proposals

    seen = outlook(session, as_of)
    proposals = build_proposals(session, as_of, seen) + special_proposals(session, as_of, seen, rest_days=rest_days)
    resets = tuple(sorted(seen.resets.values()))
    if dry_run:
        return RunResult(None, as_of, tuple(proposals), resets)
    superseded = session.execute(select(DunningRun.id).where(DunningRun.status.in_(OPEN_RUN_STATES))).scalars().all()
    if superseded:
        session.execute(update(DunningRun).where(DunningRun.id.in_(superseded)).values(status="superseded"))
    run = DunningRun(as_of=as_of, status="proposed", created_by=actor)
    session.add(run)
    session.flush()
    _store_proposals(session, run.id, proposals)
    if seen.resets:
        session.execute(update(Debtor).where(Debtor.id.in_(sorted(seen.resets))).values(dunning_level=0))
        audit.record_many(session, actor, "dunning.level.reset", "debtor",
                          [(code, None, {"dunning_level": 0, "why": "balance zero or in credit"}) for code in resets])
    audit.record(session, actor, "dunning.run.propose", "dunning_run", str(run.id), after={
        "as_of": as_of, "proposals": len(proposals), "superseded": list(superseded), "resets": len(resets)})
    return RunResult(run.id, as_of, tuple(proposals), resets)


def _store_proposals(session: Session, run_id: int, proposals: Sequence[Proposal]) -> None:
    if not proposals:
        return
    session.execute(insert(DunningProposal), [
        {"run_id": run_id, "debtor_id": p.debtor_id, "policy_id": p.policy_id, "level": p.level.number,
         "level_name": p.level.name, "action": p.level.action, "template": p.level.template,
         "channel": p.level.channel, "approver": p.level.approver, "currency": p.currency, "open_amount": p.open,
         "interest": p.interest, "fees": p.fees, "recipients": list(p.recipients), "gaps": list(p.gaps),
         "status": "proposed"} for p in proposals])
    ids = {(debtor_id, currency, level): pid for pid, debtor_id, currency, level in session.execute(
        select(DunningProposal.id, DunningProposal.debtor_id, DunningProposal.currency, DunningProposal.level)
        .where(DunningProposal.run_id == run_id))}
    session.execute(insert(DunningProposalItem), [
        {"proposal_id": ids[(p.debtor_id, p.currency, p.level.number)], "receivable_id": i.receivable_id}
        for p in proposals for i in p.items])


def find_run(session: Session, run_id: int) -> DunningRun:
    run = session.get(DunningRun, run_id)
    if run is None:
        raise UnknownRecord(f"no dunning run {run_id}")
    return run


@dataclass(frozen=True, slots=True)
class Approval:
    run: int
    approved: int
    excluded: tuple[str, ...]
    awaiting: dict[str, int]


def approve(session: Session, run_id: int, *, actor: str, exclude: Sequence[str] = ()) -> Approval:
    """Approve the run's proposals that the actor's role may approve (each level names its approving role:
    legal for lawyer letters); `exclude` leaves debtors out. The rest await an approver with their role."""
    run = find_run(session, run_id)
    if run.status not in OPEN_RUN_STATES:
        raise RunRefused(f"dunning run {run_id} is {run.status}: only a proposed run can be approved")
    rows = session.execute(select(DunningProposal, Debtor.code).join(Debtor, Debtor.id == DunningProposal.debtor_id)
                           .where(DunningProposal.run_id == run_id)).all()
    in_run = {code for _, code in rows}
    unknown = [code for code in exclude if code not in in_run]
    if unknown:
        raise RunRefused(f"--exclude {unknown[0]}: run {run_id} proposes nothing for that debtor")
    excluded = set(exclude)
    pending_roles = sorted({p.approver for p, code in rows if p.status == "proposed" and code not in excluded})
    allowed: list[str] = []
    refusal: RoleRequired | None = None
    for role in pending_roles:
        try:
            require_role(session, actor, [role], doing=f"approving dunning steps of the {role} role")
            allowed.append(role)
        except RoleRequired as exc:
            refusal = refusal or exc
    if pending_roles and not allowed and refusal is not None:
        raise refusal
    if not excluded and not allowed:
        require_role(session, actor, ["finance", "legal"], doing="approving a dunning run")
    approved = 0
    awaiting: dict[str, int] = defaultdict(int)
    for proposal, code in rows:
        if code in excluded and proposal.status in ("proposed", "approved"):
            proposal.status, proposal.note = "excluded", f"excluded by {actor}"
        elif proposal.status == "proposed" and proposal.approver in allowed:
            proposal.status, proposal.approved_by = "approved", actor
            approved += 1
        elif proposal.status == "proposed":
            awaiting[proposal.approver] += 1
    if not awaiting:
        run.status = "approved"
    session.add(DunningApproval(run_id=run_id, approved_by=actor, roles=allowed, excluded=sorted(excluded)))
    audit.record(session, actor, "dunning.run.approve", "dunning_run", str(run_id), after={
        "approved": approved, "roles": allowed, "excluded": sorted(excluded), "awaiting": dict(awaiting)})
    return Approval(run_id, approved, tuple(sorted(excluded)), dict(awaiting))


@dataclass(frozen=True, slots=True)
class RunView:
    id: int
    as_of: date
    status: str
    created_by: str
    proposals: dict[str, int]
    actions: int


def list_runs(session: Session) -> list[RunView]:
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for run_id, status, count in session.execute(
            select(DunningProposal.run_id, DunningProposal.status, func.count())
            .group_by(DunningProposal.run_id, DunningProposal.status)):
        counts[run_id][status] = count
    actions = dict(session.execute(select(DunningAction.run_id, func.count()).group_by(DunningAction.run_id)).all())
    return [RunView(r.id, r.as_of, r.status, r.created_by, counts.get(r.id, {}), actions.get(r.id, 0))
            for r in session.execute(select(DunningRun).order_by(DunningRun.id)).scalars()]
