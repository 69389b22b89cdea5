"""The project pages: construction contracts with billed, received, open, overdue and retention; one contract's
milestones and retention schedule; collection targets against what was recovered. A project manager sees only the
contracts they manage (checked here, on the server, for every page)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from receivables.services.errors import Refused
from receivables.services.projects import ProjectLine, list_projects, retention_due, show_project
from receivables.services.targets import TargetLine, targets_report
from receivables.web.deps import DATABASE, Caller, allowed
from receivables.web.render import render

router = APIRouter(include_in_schema=False)

READER = Depends(allowed("read"))
PROJECT_MANAGER = "project_manager"


def managed_by(who: Caller) -> str | None:
    """The user name a project manager's view is limited to; None for every other role (they see all)."""
    return who.identity.name if who.identity.role == PROJECT_MANAGER else None


def _visible_targets(lines: list[TargetLine], contracts: list[ProjectLine], pm: str | None) -> list[TargetLine]:
    """A project manager sees the targets of their own contracts and projects only."""
    if pm is None:
        return lines
    names = {("contract", c.contract_number) for c in contracts} | {("project", c.project) for c in contracts
                                                                    if c.project}
    return [line for line in lines if (line.scope, line.name) in names]


@router.get("/projects")
def projects_page(request: Request, period: str = "", who: Caller = READER,
                  session: Session = DATABASE) -> Response:
    pm = managed_by(who)
    contracts = list_projects(session, who.as_of, pm=pm)
    retention = [r for r in retention_due(session, who.as_of) if pm is None or r.project_manager == pm]
    period = period.strip()[:10] or str(who.as_of.year)
    error = None
    try:
        targets = _visible_targets(targets_report(session, period), contracts, pm)
    except Refused as exc:
        targets, error = [], str(exc)
    return render(request, "projects.html", who, contracts=contracts, retention=retention, targets=targets,
                  period=period, error=error, pm=pm)


@router.get("/projects/{debtor}/{number}")
def project_page(request: Request, debtor: str, number: str, who: Caller = READER,
                 session: Session = DATABASE) -> Response:
    try:
        detail = show_project(session, number, who.as_of, debtor=debtor)
    except Refused:
        return render(request, "error.html", who, status_code=404, message="not_found")
    pm = managed_by(who)
    if pm is not None and detail.line.project_manager != pm:
        return render(request, "error.html", who, status_code=404, message="not_found")
    return render(request, "projects_contract.html", who, detail=detail, line=detail.line)
