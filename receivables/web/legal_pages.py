"""The letters and legal pages: letters found, previewed, downloaded, issued and delivered with a proof; the
limitation watchlist, law firms, lawyer letters, cases and the evidence bundle."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from receivables.domain.calendar import RestDayCalendar, ScheduleError
from receivables.domain.cases import OUTCOMES, STEPS
from receivables.domain.dates import add_months, parse_date
from receivables.domain.delivery import CHANNELS
from receivables.domain.limitation import NOT_LEGAL_ADVICE
from receivables.services.bundle import build_bundle
from receivables.services.cases import MAX_DOCUMENT_BYTES, CaseDocument, case_detail, list_cases, record_stage
from receivables.services.deliveries import Proof, deliveries, record_delivery
from receivables.services.errors import Refused, UnknownRecord
from receivables.services.lawyer_letters import (
    FIRM_FIELDS,
    LAWYER_LETTER,
    add_firm,
    edit_firm,
    issue_lawyer_letter,
    list_firms,
    parse_fee,
)
from receivables.services.legal import (
    BANDS,
    SHORTEST_PERIOD_MONTHS,
    ItemLimitation,
    item_limitations,
    rest_days_of,
    rule_summary,
    set_by,
)
from receivables.services.letter_preview import preview_data, preview_letter
from receivables.services.letters import catalog_for, issue_letters
from receivables.storage.blobs import BlobError, BlobStore
from receivables.storage.queries.letter_list import (
    LetterFilter,
    delivery_proof,
    letter_file,
    letter_formats,
    letter_kinds,
    letter_page,
)
from receivables.storage.schema import Letter
from receivables.web.deps import DATABASE, Caller, Forbidden, allowed, context
from receivables.web.render import render

router = APIRouter(include_in_schema=False)

LETTER_WRITERS = ("finance", "legal")
"""Who issues single letters and records deliveries (admin always may)."""
LEGAL_STAFF = ("legal",)
"""Who keeps law-firm profiles and issues lawyer letters (admin always may)."""
ISSUABLE_KINDS = ("reminder", "demand", "final_demand", "collection_notice")
"""Templates the ledger alone fills; lawyer letters, statements and plans have their own pages and data."""
LETTER_LOCALES = ("zh_CN", "en")
MAX_PROOF_BYTES = 20 * 1024 * 1024
MEDIA_TYPES = {"pdf": "application/pdf",
               "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
WATCH_ROWS = 500


def _role(*roles: str) -> Any:
    """A dependency: a signed-in caller (CSRF checked on forms) whose role is one of `roles` or admin."""
    async def check(who: Caller = Depends(allowed("read"))) -> Caller:
        if who.identity.role != "admin" and who.identity.role not in roles:
            raise Forbidden(f"the role {who.identity.role} may not do this")
        return who
    check.__name__ = f"role_{'_'.join(roles)}"
    return Depends(check)


READER = Depends(allowed("read"))

WRITER = _role(*LETTER_WRITERS)
LEGAL = _role(*LEGAL_STAFF)


def _blobs(request: Request) -> BlobStore:
    return BlobStore(context(request).settings.blob_dir)


def _calendar(request: Request) -> RestDayCalendar:
    try:
        return rest_days_of(context(request).settings)
    except ScheduleError as exc:
        raise Refused(f"holiday schedules: {exc}") from None


def _day(text: str, field: str) -> date | None:
    if not text.strip():
        return None
    try:
        return parse_date(text.strip())
    except ValueError as exc:
        raise Refused(f"{field}: {exc}") from None


def _letter_locale(who: Caller) -> str:
    return "en" if who.identity.locale == "en" else "zh_CN"


def content_disposition(kind: str, filename: str) -> str:
    """`inline` or `attachment` with an ASCII fallback name and the exact UTF-8 name (RFC 6266 / RFC 5987)."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\;%' else "_" for c in filename)
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _file_answer(content: bytes, media_type: str, filename: str, *, inline: bool) -> Response:
    return Response(content, media_type=media_type, headers={
        "Content-Disposition": content_disposition("inline" if inline else "attachment", filename),
        "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})


def _not_found(request: Request, who: Caller) -> Response:
    return render(request, "error.html", who, status_code=404, message="not_found")


# Letters: list and search -------------------------------------------------------------------------------


@router.get("/letters")
def letters_page(request: Request, number: str = "", debtor: str = "", kind: str = "", date_from: str = "",
                 date_to: str = "", page: int = Query(1, ge=1), per_page: int = Query(50, ge=1, le=500),
                 who: Caller = READER, session: Session = DATABASE) -> Response:
    error = None
    try:
        start, end = _day(date_from, "from"), _day(date_to, "to")
    except Refused as exc:
        start, end, error = None, None, str(exc)
    kinds = letter_kinds(session)
    criteria = LetterFilter(number.strip()[:60], debtor.strip()[:100], kind.strip()[:40], start, end)
    listing = letter_page(session, criteria, page=page, per_page=per_page)
    query = {"number": criteria.number, "debtor": criteria.debtor, "kind": criteria.kind,
             "date_from": start.isoformat() if start else "", "date_to": end.isoformat() if end else "",
             "per_page": per_page}
    return render(request, "letters.html", who, listing=listing, criteria=criteria, kinds=kinds, query=query,
                  error=error, may_issue=_may(who, LETTER_WRITERS), page_url=_page_url)


def _page_url(query: dict[str, Any], page: int) -> str:
    return "/letters?" + urlencode({**{k: v for k, v in query.items() if v not in ("", None)}, "page": page})


def _may(who: Caller, roles: tuple[str, ...]) -> bool:
    return who.identity.role == "admin" or who.identity.role in roles


# Letters: one letter, its files and its deliveries ------------------------------------------------------


def _letter(session: Session, letter_id: int) -> Letter | None:
    return session.get(Letter, letter_id)


def _letter_page(request: Request, who: Caller, session: Session, letter: Letter, *, status_code: int = 200,
                 error: str | None = None, form: dict[str, str] | None = None, saved: str = "") -> Response:
    try:
        _, facts, events = deliveries(session, letter.number)
    except Refused as exc:
        facts, events, error = [], [], error or str(exc)
    numbers = {str(line.get("number")) for line in letter.data.get("items", [])
               if line.get("kind") != "unapplied_payment"}
    debtor_code = str(letter.data.get("debtor", {}).get("code", "")) or None
    limitations: list[ItemLimitation] = []
    if debtor_code and numbers:
        try:
            limitations = [line for line in item_limitations(session, who.as_of, _calendar(request),
                                                             debtor_code=debtor_code)
                           if line.receivable_number in numbers]
        except Refused as exc:
            error = error or str(exc)
    return render(request, "letters_letter.html", who, status_code=status_code, letter=letter,
                  formats=letter_formats(session, letter.id), facts=facts, events=events,
                  limitations=limitations, runs_from=set_by, channels=CHANNELS, error=error, form=form or {},
                  saved=saved, may_deliver=_may(who, LETTER_WRITERS), debtor_code=debtor_code,
                  max_mb=MAX_PROOF_BYTES // 2**20)


@router.get("/letters/new")
def new_letter_page(request: Request, debtor: str = "", template: str = "", locale: str = "",
                    currency: str = "", who: Caller = WRITER, session: Session = DATABASE) -> Response:
    return _new_letter(request, who, session, debtor.strip()[:60], template, locale or _letter_locale(who),
                       currency.strip().upper()[:3])


def _templates(request: Request) -> list[tuple[str, str, str]]:
    """(name, locale, title) of the templates a single letter may be issued from (read once per request:
    reading the catalogue parses every template)."""
    found = getattr(request.state, "issuable_templates", None)
    if found is None:
        catalog = catalog_for(context(request).settings.user_templates_dir)
        found = [(i.name, i.locale, i.title) for i in catalog.list() if i.kind in ISSUABLE_KINDS]
        request.state.issuable_templates = found
    return list(found)


def _new_letter(request: Request, who: Caller, session: Session, debtor: str, template: str, locale: str,
                currency: str, *, status_code: int = 200, error: str | None = None) -> Response:
    choices = _templates(request)
    ready = bool(debtor and template) and error is None
    if ready:
        # Checked here so that a letter the ledger cannot fill is explained beside the form, not in the frame.
        try:
            preview_data(session, **_letter_choice(request, who, session, debtor, template, locale, currency))
        except (Refused, UnknownRecord) as exc:
            ready, error, status_code = False, str(exc), 422
    preview_url = "/letters/preview.pdf?" + urlencode(
        {"debtor": debtor, "template": template, "locale": locale, "currency": currency})
    return render(request, "letters_new.html", who, status_code=status_code, choices=choices, debtor=debtor,
                  template=template, letter_locale=locale, currency=currency, locales=LETTER_LOCALES,
                  ready=ready, error=error, preview_url=preview_url)


def _letter_choice(request: Request, who: Caller, session: Session, debtor: str, template: str, locale: str,
                   currency: str) -> dict[str, Any]:
    """The arguments of a single letter's preview, once the template and locale are among those offered."""
    if template not in {name for name, _, _ in _templates(request)}:
        raise Refused(f"template {template!r}: choose one of the listed templates")
    if locale not in LETTER_LOCALES:
        raise Refused(f"locale {locale!r}: choose {' or '.join(LETTER_LOCALES)}")
    user_templates = context(request).settings.user_templates_dir
    return {"template": template, "debtor_code": debtor, "as_of": who.as_of, "locale": locale,
            "catalog": catalog_for(user_templates), "blobs": _blobs(request), "currency": currency or None}


@router.get("/letters/preview.pdf")
def letter_preview(request: Request, debtor: str = "", template: str = "", locale: str = "zh_CN",
                   currency: str = "", who: Caller = WRITER, session: Session = DATABASE) -> Response:
    """The letter as it would be issued today, not numbered, not stored (a GET: nothing is written)."""
    try:
        choice = _letter_choice(request, who, session, debtor.strip(), template, locale,
                                currency.strip().upper())
        pdf = preview_letter(session, **choice).pdf
    except (Refused, UnknownRecord) as exc:
        return Response(str(exc), status_code=422, media_type="text/plain; charset=utf-8")
    return _file_answer(pdf, MEDIA_TYPES["pdf"], f"preview-{template}.pdf", inline=True)


@router.post("/letters/new")
def issue_letter_form(request: Request, debtor: str = Form(...), template: str = Form(...),
                      locale: str = Form(...), currency: str = Form(""), who: Caller = WRITER,
                      session: Session = DATABASE) -> Response:
    debtor, currency = debtor.strip()[:60], currency.strip().upper()[:3]
    settings = context(request).settings
    try:
        if template not in {name for name, _, _ in _templates(request)} or locale not in LETTER_LOCALES:
            raise Refused(f"template {template!r} ({locale}): choose one of the listed templates")
        issued = issue_letters(session, template=template, debtor_codes=[debtor], as_of=who.as_of,
                               locale=locale, formats=("pdf", "docx"), actor=who.identity.name,
                               catalog=catalog_for(settings.user_templates_dir), blobs=_blobs(request),
                               user_templates=settings.user_templates_dir, currency=currency or None,
                               workers=1)
    except (Refused, UnknownRecord) as exc:
        session.rollback()
        return _new_letter(request, who, session, debtor, template, locale, currency, status_code=422,
                           error=str(exc))
    return _to_letter(session, issued[0].number, "issued")


def _to_letter(session: Session, number: str, saved: str) -> Response:
    letter_id = session.execute(select(Letter.id).where(Letter.number == number)
                                .order_by(Letter.id.desc()).limit(1)).scalar_one()
    return RedirectResponse(f"/letters/{letter_id}?saved={saved}", status_code=303)


@router.get("/letters/{letter_id}")
def letter_detail(request: Request, letter_id: int, saved: str = "", who: Caller = READER,
                  session: Session = DATABASE) -> Response:
    letter = _letter(session, letter_id)
    if letter is None:
        return _not_found(request, who)
    return _letter_page(request, who, session, letter, saved=saved[:20])


@router.get("/letters/{letter_id}/files/{file_format}")
def letter_download(request: Request, letter_id: int, file_format: str, inline: bool = False,
                    who: Caller = READER, session: Session = DATABASE) -> Response:
    """A stored file of the letter: found by the hash recorded with it, never by a name from the request."""
    letter = _letter(session, letter_id)
    known = letter is not None and file_format in MEDIA_TYPES
    stored = letter_file(session, letter_id, file_format) if known else None
    if letter is None or stored is None:
        return _not_found(request, who)
    try:
        content = _blobs(request).get(stored[0])
    except BlobError as exc:
        return Response(str(exc), status_code=500, media_type="text/plain; charset=utf-8")
    return _file_answer(content, MEDIA_TYPES[file_format], f"{letter.number}.{file_format}",
                        inline=inline and file_format == "pdf")


@router.get("/letters/{letter_id}/deliveries/{delivery_id}/proof")
def proof_download(request: Request, letter_id: int, delivery_id: int, who: Caller = READER,
                   session: Session = DATABASE) -> Response:
    stored = delivery_proof(session, letter_id, delivery_id)
    if stored is None:
        return _not_found(request, who)
    sha256, media_type, name = stored
    try:
        content = _blobs(request).get(sha256)
    except BlobError as exc:
        return Response(str(exc), status_code=500, media_type="text/plain; charset=utf-8")
    return _file_answer(content, media_type, name, inline=False)


@router.post("/letters/{letter_id}/deliveries")
async def record_delivery_form(request: Request, letter_id: int, delivered_on: str = Form(""),
                               sent_on: str = Form(""), channel: str = Form(""),
                               tracking_number: str = Form(""), signed_by: str = Form(""),
                               proof: UploadFile | None = File(None),
                               who: Caller = WRITER, session: Session = DATABASE) -> Response:
    letter = _letter(session, letter_id)
    if letter is None:
        return _not_found(request, who)
    form = {"delivered_on": delivered_on, "sent_on": sent_on, "channel": channel,
            "tracking_number": tracking_number, "signed_by": signed_by}
    try:
        delivered = _day(delivered_on, "delivered on")
        if delivered is None:
            raise Refused("delivered on: give the day the letter arrived")
        evidence = await _proof(proof)
        record_delivery(session, letter_number=letter.number, delivered_on=delivered, as_of=who.as_of,
                        actor=who.identity.name, blobs=_blobs(request), sent_on=_day(sent_on, "sent on"),
                        channel=channel or None, proof=evidence,
                        tracking_number=tracking_number.strip() or None, signed_by=signed_by.strip() or None)
    except (Refused, UnknownRecord) as exc:
        session.rollback()
        return _letter_page(request, who, session, letter, status_code=422, error=str(exc), form=form)
    return RedirectResponse(f"/letters/{letter_id}?saved=delivery#deliveries", status_code=303)


async def _proof(upload: UploadFile | None) -> Proof | None:
    """The uploaded proof, if any (its content is checked by the service)."""
    if upload is None or not upload.filename:
        return None
    return Proof(_base_name(upload.filename), await _bounded(upload, MAX_PROOF_BYTES))


async def _bounded(upload: UploadFile, limit: int) -> bytes:
    """The uploaded bytes, read no further than one byte past `limit`."""
    content = await upload.read(limit + 1)
    if len(content) > limit:
        raise Refused(f"{_base_name(upload.filename or 'file')}: larger than {limit // 2**20} MB")
    return content


def _base_name(filename: str) -> str:
    """Only the last part of an uploaded file's name is kept: it is shown and offered as a download name,
    never used as a path (files are stored by their hash)."""
    return filename.replace("\\", "/").rsplit("/", 1)[-1][:200] or "file"


# Legal: the limitation watchlist ----------------------------------------------------------------------


@router.get("/legal")
def watchlist_page(request: Request, within: int = 180, who: Caller = READER,
                   session: Session = DATABASE) -> Response:
    if within not in BANDS:
        within = BANDS[-1]
    error = None
    lines: list[ItemLimitation] = []
    try:
        # As in `expiring_claims`: no period is shorter than three years, so later items are left out in SQL.
        due_by = add_months(who.as_of + timedelta(days=BANDS[-1]), -SHORTEST_PERIOD_MONTHS)
        lines = [line for line in item_limitations(session, who.as_of, _calendar(request), due_by=due_by)
                 if 0 <= line.days_left <= BANDS[-1]]
    except Refused as exc:
        error = str(exc)
    counts = {band: sum(1 for line in lines if line.days_left <= band) for band in BANDS}
    shown = [line for line in lines if line.days_left <= within]
    return render(request, "legal.html", who, lines=shown[:WATCH_ROWS], total=len(shown), bands=BANDS,
                  within=within, counts=counts, rules=rule_summary([line.jurisdiction for line in shown]),
                  runs_from=set_by, not_legal_advice=NOT_LEGAL_ADVICE, error=error, limit=WATCH_ROWS)


# Legal: law firms ------------------------------------------------------------------------------------


def _firms_page(request: Request, who: Caller, session: Session, *, status_code: int = 200,
                error: str | None = None, error_at: str = "", form: dict[str, str] | None = None,
                saved: str = "") -> Response:
    return render(request, "legal_firms.html", who, status_code=status_code, firms=list_firms(session),
                  fields=FIRM_FIELDS, may_edit=_may(who, LEGAL_STAFF), error=error, error_at=error_at,
                  form=form or {}, saved=saved)


@router.get("/legal/firms")
def firms_page(request: Request, saved: str = "", who: Caller = READER,
               session: Session = DATABASE) -> Response:
    return _firms_page(request, who, session, saved=saved[:20])


async def _firm_form(request: Request) -> dict[str, str]:
    submitted = await request.form()
    return {k: str(v)[:500] for k, v in submitted.items() if k in ("name", "active", *FIRM_FIELDS)}


def _firm_change(request: Request, who: Caller, session: Session, form: dict[str, str], at: str,
                 change: Callable[[], object]) -> Response:
    try:
        change()
    except (Refused, UnknownRecord) as exc:
        session.rollback()
        return _firms_page(request, who, session, status_code=422, error=str(exc), error_at=at, form=form)
    return RedirectResponse(f"/legal/firms?saved={at}", status_code=303)


@router.post("/legal/firms")
async def add_firm_form(request: Request, who: Caller = LEGAL, session: Session = DATABASE) -> Response:
    form = await _firm_form(request)
    details = {field: form.get(field) for field in FIRM_FIELDS}
    return _firm_change(request, who, session, form, "added",
                        lambda: add_firm(session, form.get("name", ""), actor=who.identity.name, **details))


@router.post("/legal/firms/edit")
async def edit_firm_form(request: Request, who: Caller = LEGAL, session: Session = DATABASE) -> Response:
    form = await _firm_form(request)
    details = {field: form.get(field, "") for field in FIRM_FIELDS}
    return _firm_change(request, who, session, form, "edited", lambda: edit_firm(
        session, form.get("name", ""), actor=who.identity.name, active=form.get("active") == "on", **details))


# Legal: lawyer letters -----------------------------------------------------------------------------------


def _lawyer_page(request: Request, who: Caller, session: Session, *, status_code: int = 200,
                 error: str | None = None, form: dict[str, str] | None = None) -> Response:
    issued = letter_page(session, LetterFilter(kind=LAWYER_LETTER), per_page=50)
    return render(request, "legal_lawyer_letters.html", who, status_code=status_code,
                  firms=[f for f in list_firms(session) if f.active], issued=issued, locales=LETTER_LOCALES,
                  error=error, form=form or {"locale": _letter_locale(who), "deadline_days": "7"})


@router.get("/legal/lawyer-letters")
def lawyer_letters_page(request: Request, who: Caller = LEGAL, session: Session = DATABASE) -> Response:
    return _lawyer_page(request, who, session)


@router.post("/legal/lawyer-letters")
def issue_lawyer_letter_form(request: Request, debtor: str = Form(...), firm: str = Form(...),
                             locale: str = Form("zh_CN"), deadline_days: str = Form("7"),
                             interest_rule: str = Form(""), fees: str = Form(""), clauses: str = Form(""),
                             who: Caller = LEGAL, session: Session = DATABASE) -> Response:
    form = {"debtor": debtor, "firm": firm, "locale": locale, "deadline_days": deadline_days,
            "interest_rule": interest_rule, "fees": fees, "clauses": clauses}
    settings = context(request).settings
    try:
        if locale not in LETTER_LOCALES:
            raise Refused(f"locale {locale!r}: choose {' or '.join(LETTER_LOCALES)}")
        if not deadline_days.strip().isdigit() or not 1 <= int(deadline_days) <= 90:
            raise Refused(f"deadline: {deadline_days!r} is not a number of days from 1 to 90")
        issued = issue_lawyer_letter(
            session, debtor_code=debtor.strip(), firm_name=firm, as_of=who.as_of, locale=locale,
            actor=who.identity.name, catalog=catalog_for(settings.user_templates_dir), blobs=_blobs(request),
            user_templates=settings.user_templates_dir, deadline_days=int(deadline_days),
            interest_rule=interest_rule.strip() or None,
            fees=[parse_fee(line) for line in fees.splitlines() if line.strip()],
            clauses=[line for line in clauses.splitlines() if line.strip()])
    except (Refused, UnknownRecord) as exc:
        session.rollback()
        return _lawyer_page(request, who, session, status_code=422, error=str(exc), form=form)
    return _to_letter(session, issued.number, "issued")


# Legal: cases and the evidence bundle ---------------------------------------------------------------------


@router.get("/legal/cases")
def cases_page(request: Request, debtor: str = "", who: Caller = READER,
               session: Session = DATABASE) -> Response:
    cases = list_cases(session, debtor_code=debtor.strip() or None)
    return render(request, "legal_cases.html", who, cases=cases, debtor=debtor.strip()[:60],
                  may_bundle=_may(who, LETTER_WRITERS))


def _case_page(request: Request, who: Caller, session: Session, case_id: int, *, status_code: int = 200,
               error: str | None = None, form: dict[str, str] | None = None, saved: str = "") -> Response:
    try:
        detail = case_detail(session, case_id)
    except UnknownRecord:
        return _not_found(request, who)
    return render(request, "legal_case.html", who, status_code=status_code, detail=detail,
                  may_bundle=_may(who, LETTER_WRITERS), may_record=_may(who, LEGAL_STAFF), steps=STEPS,
                  outcomes=OUTCOMES, error=error, form=form or {}, saved=saved)


@router.get("/legal/cases/{case_id}")
def case_page(request: Request, case_id: int, saved: str = "", who: Caller = READER,
              session: Session = DATABASE) -> Response:
    return _case_page(request, who, session, case_id, saved=saved[:20])


@router.post("/legal/cases/{case_id}/stages")
async def record_stage_form(request: Request, case_id: int, step: str = Form(...),
                            occurred_on: str = Form(""),
                            court: str = Form(""), case_number: str = Form(""), outcome: str = Form(""),
                            note: str = Form(""), documents: list[UploadFile] = File(default_factory=list),
                            who: Caller = LEGAL, session: Session = DATABASE) -> Response:
    form = {"step": step, "occurred_on": occurred_on, "court": court, "case_number": case_number,
            "outcome": outcome, "note": note}
    try:
        day = _day(occurred_on, "date")
        if day is None:
            raise Refused("date: give the day of the stage")
        files = [CaseDocument(_base_name(upload.filename), await _bounded(upload, MAX_DOCUMENT_BYTES))
                 for upload in documents if upload.filename]
        record_stage(session, case_id=case_id, step=step, occurred_on=day, as_of=who.as_of,
                     actor=who.identity.name, blobs=_blobs(request), court=court.strip() or None,
                     case_number=case_number.strip() or None, outcome=outcome or None,
                     note=note.strip() or None, documents=files)
    except UnknownRecord:
        session.rollback()
        return _not_found(request, who)
    except Refused as exc:
        session.rollback()
        return _case_page(request, who, session, case_id, status_code=422, error=str(exc), form=form)
    return RedirectResponse(f"/legal/cases/{case_id}?saved=stage#stages", status_code=303)


@router.post("/legal/bundle")
def bundle_download(request: Request, debtor: str = Form(...), who: Caller = WRITER,
                    session: Session = DATABASE) -> Response:
    """The debtor's evidence bundle as a PDF (a POST: building it is audited)."""
    try:
        built = build_bundle(session, debtor_code=debtor.strip(), as_of=who.as_of, actor=who.identity.name,
                             blobs=_blobs(request), rest_days=_calendar(request))
    except (Refused, UnknownRecord) as exc:
        session.rollback()
        return Response(str(exc), status_code=422, media_type="text/plain; charset=utf-8")
    name = f"evidence-bundle-{built.debtor}-{built.as_of}.pdf"
    return _file_answer(built.content, MEDIA_TYPES["pdf"], name, inline=False)

