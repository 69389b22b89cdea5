"""A single letter rendered as it would be issued, but not numbered, not stored and not recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from letters import LetterError, TemplateCatalog, TemplateInfo, render_letter
from receivables.services.letters import (
    OVERDUE_ONLY_KINDS,
    DEFAULT_DEADLINE_DAYS,
    LetterRefused,
    creditor_company,
    require_fields,
    build_letter_data,
)
from receivables.services.errors import UnknownRecord
from receivables.storage.blobs import BlobStore
from receivables.storage.queries.debtors import find_debtor

UNNUMBERED = {"zh_CN": "（预览，未编号）", "en": "(preview, not numbered)"}


@dataclass(frozen=True, slots=True)
class LetterPreview:
    title: str
    pdf: bytes
    warnings: tuple[str, ...]


def preview_data(session: Session, *, template: str, debtor_code: str, as_of: date, locale: str,
                 catalog: TemplateCatalog, blobs: BlobStore, company: str | None = None,
                 currency: str | None = None, deadline_days: int = DEFAULT_DEADLINE_DAYS
                 ) -> tuple[TemplateInfo, dict[str, Any]]:
    """The template and the data `issue_letters` would use for one debtor, from the same checks, with a
    placeholder in place of the number (issuing afterwards takes the next number; a preview reserves none)."""
    try:
        info = catalog.get(template, locale)
    except LetterError as exc:
        raise LetterRefused(str(exc)) from None
    creditor = creditor_company(session, company)
    debtor = find_debtor(session, debtor_code)
    if debtor is None:
        raise UnknownRecord(f"no debtor with code {debtor_code!r}")
    data = build_letter_data(session, creditor, debtor, as_of=as_of, locale=locale, currency=currency,
                             deadline_days=deadline_days, blobs=blobs,
                             overdue_only=info.kind in OVERDUE_ONLY_KINDS)
    require_fields(info, data)
    data["letter_number"] = UNNUMBERED.get(locale, UNNUMBERED["en"])
    return info, data


def preview_letter(session: Session, *, template: str, debtor_code: str, as_of: date, locale: str,
                   catalog: TemplateCatalog, blobs: BlobStore, company: str | None = None,
                   currency: str | None = None, deadline_days: int = DEFAULT_DEADLINE_DAYS) -> LetterPreview:
    """The PDF the letter would be issued as, not numbered, not stored, not recorded."""
    info, data = preview_data(session, template=template, debtor_code=debtor_code, as_of=as_of, locale=locale,
                              catalog=catalog, blobs=blobs, company=company, currency=currency,
                              deadline_days=deadline_days)
    try:
        rendered = render_letter(info, data, ("pdf",))
    except LetterError as exc:
        raise LetterRefused(f"template {template} ({locale}): {exc}") from None
    return LetterPreview(rendered.title, rendered.files["pdf"], rendered.warnings)
