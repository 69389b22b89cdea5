"""Our creditor companies: the details that go on letterheads and payment instructions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from receivables.domain.identifiers import check_credit_code
from receivables.services.errors import Refused, UnknownRecord
from receivables.storage import audit
from receivables.storage.blobs import BlobStore
from receivables.storage.schema import Company

EDITABLE = ("credit_code", "address", "phone", "bank_name", "bank_account", "contact_name", "contact_phone",
            "jurisdiction")
_IMAGE_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")


class CompanyRefused(Refused):
    """A company detail is not acceptable."""


@dataclass(frozen=True, slots=True)
class CompanyView:
    name: str
    is_default: bool
    credit_code: str | None
    address: str | None
    phone: str | None
    bank_name: str | None
    bank_account: str | None
    contact_name: str | None
    contact_phone: str | None
    jurisdiction: str
    logo_sha256: str | None


def _view(company: Company) -> CompanyView:
    return CompanyView(company.name, company.is_default, company.credit_code, company.address, company.phone,
                       company.bank_name, company.bank_account, company.contact_name, company.contact_phone,
                       company.jurisdiction, company.logo_sha256)


def list_companies(session: Session) -> list[CompanyView]:
    return [_view(c) for c in session.execute(select(Company).order_by(Company.name)).scalars()]


def edit_company(session: Session, name: str, changes: dict[str, Any], *, actor: str, blobs: BlobStore,
                 logo: Path | None = None) -> CompanyView:
    """Change letterhead details; a logo must be a PNG or JPEG and is stored by its hash."""
    company = session.execute(select(Company).where(Company.name == name)).scalar_one_or_none()
    if company is None:
        raise UnknownRecord(f"no company named {name!r} (create it with `receivables init --company NAME`)")
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise CompanyRefused(f"cannot edit {', '.join(sorted(unknown))}")
    cleaned = {k: (v.strip() or None) if isinstance(v, str) else v for k, v in changes.items()}
    if cleaned.get("credit_code"):
        checked = check_credit_code(str(cleaned["credit_code"]))
        if not checked.valid:
            raise CompanyRefused(f"invalid unified social credit code: {checked.problem}")
        cleaned["credit_code"] = checked.code
    if logo is not None:
        if not logo.is_file():
            raise CompanyRefused(f"{logo}: no such file")
        content = logo.read_bytes()
        if not content.startswith(_IMAGE_SIGNATURES):
            raise CompanyRefused(f"{logo}: the logo must be a PNG or JPEG image")
        cleaned["logo_sha256"] = blobs.put(content)
    before = {k: getattr(company, k) for k in cleaned}
    for key, value in cleaned.items():
        setattr(company, key, value)
    audit.record(session, actor, "company.edit", "company", name, before=before, after=cleaned)
    return _view(company)
