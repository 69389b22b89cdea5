"""Issued letters found by number, debtor, template kind and date range: one query per page, with each
letter's latest delivery and whether any delivery of it is evidenced by a stored proof."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from receivables.storage.schema import Debtor, Letter, LetterFile
from receivables.storage.schema.legal import LetterDelivery
from receivables.storage.queries.paging import Page
from receivables.storage.queries.text_match import containing, LIKE_ESCAPE


@dataclass(frozen=True, slots=True)
class LetterFilter:
    number: str = ""
    debtor: str = ""  # code or part of the name
    kind: str = ""
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True, slots=True)
class LetterListRow:
    id: int
    number: str
    letter_date: date
    debtor_code: str
    debtor_name: str
    template_kind: str
    locale: str
    title: str
    issued_by: str
    delivered_on: date | None  # the latest delivery recorded
    evidenced: bool  # a delivery with a date and a stored proof


def _conditions(criteria: LetterFilter) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if criteria.number:
        found.append(Letter.number.ilike(containing(criteria.number), escape=LIKE_ESCAPE))
    if criteria.debtor:
        pattern = containing(criteria.debtor)
        found.append(Letter.debtor_id.in_(select(Debtor.id).where(or_(
            Debtor.code.ilike(pattern, escape="\\"), Debtor.name.ilike(pattern, escape="\\")))))
    if criteria.kind:
        found.append(Letter.template_kind == criteria.kind)
    if criteria.date_from is not None:
        found.append(Letter.letter_date >= criteria.date_from)
    if criteria.date_to is not None:
        found.append(Letter.letter_date <= criteria.date_to)
    return found


def letter_page(session: Session, criteria: LetterFilter, *, page: int = 1,
                per_page: int = 50) -> Page[LetterListRow]:
    """The letters matching `criteria`, newest first, one page of them."""
    where = _conditions(criteria)
    total = int(session.execute(select(func.count()).select_from(Letter).where(*where)).scalar_one())
    delivered = (select(LetterDelivery.letter_id, func.max(LetterDelivery.delivered_on).label("delivered_on"))
                 .where(LetterDelivery.delivered_on.is_not(None))
                 .group_by(LetterDelivery.letter_id).subquery())
    evidenced = (select(LetterDelivery.letter_id).distinct()
                 .where(LetterDelivery.delivered_on.is_not(None), LetterDelivery.proof_sha256.is_not(None))
                 .subquery())
    rows = session.execute(
        select(Letter.id, Letter.number, Letter.letter_date, Debtor.code, Debtor.name, Letter.template_kind,
               Letter.locale, Letter.title, Letter.issued_by, delivered.c.delivered_on,
               evidenced.c.letter_id.is_not(None))
        .join(Debtor, Debtor.id == Letter.debtor_id)
        .outerjoin(delivered, delivered.c.letter_id == Letter.id)
        .outerjoin(evidenced, evidenced.c.letter_id == Letter.id)
        .where(*where)
        .order_by(Letter.letter_date.desc(), Letter.id.desc())
        .limit(per_page).offset((page - 1) * per_page))
    return Page(tuple(LetterListRow(*row) for row in rows), total, page, per_page)


def letter_kinds(session: Session) -> list[str]:
    """The template kinds letters were issued from (the list's filter choices)."""
    kinds = select(Letter.template_kind).distinct().order_by(Letter.template_kind)
    return list(session.execute(kinds).scalars())


def letter_file(session: Session, letter_id: int, file_format: str) -> tuple[str, int] | None:
    """The stored SHA-256 and size of one of a letter's files, or None when the letter has no such file."""
    row = session.execute(select(LetterFile.sha256, LetterFile.size).where(
        and_(LetterFile.letter_id == letter_id, LetterFile.format == file_format))).first()
    return (row[0], row[1]) if row is not None else None


def letter_formats(session: Session, letter_id: int) -> list[str]:
    return list(session.execute(select(LetterFile.format).where(LetterFile.letter_id == letter_id)
                                .order_by(LetterFile.format)).scalars())


def delivery_proof(session: Session, letter_id: int, delivery_id: int) -> tuple[str, str, str] | None:
    """(SHA-256, media type, file name) of the proof stored with one of the letter's deliveries, or None."""
    row = session.execute(select(LetterDelivery.proof_sha256, LetterDelivery.proof_media_type,
                                 LetterDelivery.proof_name)
                          .where(LetterDelivery.id == delivery_id, LetterDelivery.letter_id == letter_id,
                                 LetterDelivery.proof_sha256.is_not(None))).first()
    return (str(row[0]), row[1] or "application/octet-stream", row[2] or "proof") if row is not None else None
