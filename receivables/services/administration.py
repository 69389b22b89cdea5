"""What an administrator does besides users and templates: add a holiday year from its file, check a day
against the holiday calendar, preview late interest under the rate tables in force, send a test e-mail."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy.orm import Session

from receivables.domain.calendar import HolidaySchedule, ScheduleError
from receivables.domain.interest import InterestError, InterestResult, late_interest, parse_rule
from receivables.files.holiday_schedules import (
    LoadedSchedule,
    load_rest_day_calendar,
    load_schedules,
    read_schedule_file,
    user_folder,
)
from receivables.services.errors import Refused
from receivables.services.mail import MailFailed, OutgoingMail, SmtpSettings, send_mail
from receivables.services.rates import load_series
from receivables.storage import audit

MAX_SCHEDULE_BYTES = 256 * 1024


class HolidayRefused(Refused):
    """The holiday file cannot be added; nothing was written. The message names the file and the field."""


def holiday_years(home: Path) -> list[LoadedSchedule]:
    """Every year of the calendar: shipped, and added by users (a user's year replaces the shipped one)."""
    try:
        return load_schedules(home)
    except ScheduleError as exc:
        raise HolidayRefused(str(exc)) from None


def add_holiday_year(session: Session, home: Path, file_name: str, content: bytes, *,
                     actor: str) -> HolidaySchedule:
    """Check an uploaded `YYYY.json` exactly as `receivables holidays check` does, then add it to the user's
    holiday folder (replacing that year's earlier file, if any). Any mistake: refused, nothing written."""
    shown = Path(file_name.replace("\\", "/")).name  # only the base name counts: never a path
    if not shown:
        raise HolidayRefused("choose a holiday file such as 2027.json")
    if len(content) > MAX_SCHEDULE_BYTES:
        raise HolidayRefused(f"{shown}: larger than {MAX_SCHEDULE_BYTES // 1024} KB; not a holiday schedule")
    with tempfile.TemporaryDirectory(prefix="receivables-holidays-") as scratch:
        staged = Path(scratch) / shown
        staged.write_bytes(content)
        try:
            schedule = read_schedule_file(staged, shown)
        except ScheduleError as exc:
            raise HolidayRefused(str(exc)) from None
    before = {e.schedule.year: e.origin for e in holiday_years(home)}.get(schedule.year)
    folder = user_folder(home)
    folder.mkdir(parents=True, exist_ok=True)
    descriptor, partial = tempfile.mkstemp(prefix=".upload.", suffix=".tmp", dir=folder)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
    os.replace(partial, folder / f"{schedule.year}.json")
    audit.record(session, actor, "holiday.add_year", "holiday_year", str(schedule.year),
                 before={"origin": before} if before else None,
                 after={"holidays": len(schedule.holidays), "working_days": len(schedule.working_days),
                        "notice": schedule.notices[0].title if schedule.notices else ""})
    return schedule


@dataclass(frozen=True, slots=True)
class DayCheck:
    """What the calendar says about one day."""

    day: date
    rest_day: bool
    holiday: str | None
    swapped_working_day: str | None
    covered: bool
    next_working_day: date
    setting: str


def check_day(home: Path, day: date) -> DayCheck:
    """Whether `day` is a rest day, why, and the first working day from it (Civil Code Art. 203)."""
    try:
        calendar = load_rest_day_calendar(home)
        loaded = load_schedules(home)
    except ScheduleError as exc:
        raise HolidayRefused(str(exc)) from None
    schedule = next((e.schedule for e in loaded if e.schedule.year == day.year), None)
    holiday = next((h.name for h in schedule.holidays if h.first <= day <= h.last), None) if schedule else None
    swapped = next((w.name for w in schedule.working_days if w.date == day), None) if schedule else None
    return DayCheck(day, calendar.is_rest_day(day), holiday, swapped, calendar.covers(day),
                    calendar.first_day_after_rest(day), calendar.setting())


def interest_preview(session: Session, principal: str, first_day: date, last_day: date, rule: str, *,
                     currency: str | None = None) -> InterestResult:
    """Late interest on `principal` from `first_day` to `last_day` by `rule`, under the rate tables as they are
    now (shipped fixings and those users added): what an administrator checks after adding a fixing."""
    try:
        amount = Decimal(principal.replace(",", "").strip())
    except InvalidOperation:
        raise Refused(f"principal: not an amount: {principal!r}") from None
    try:
        return late_interest(amount, first_day, last_day, parse_rule(rule), rates=load_series(session),
                             currency=currency or None)
    except InterestError as exc:
        raise Refused(str(exc)) from None


@dataclass(frozen=True, slots=True)
class SmtpView:
    """The effective mail settings as the page shows them: never the password, only whether one is set."""

    host: str
    port: int
    security: str
    user: str | None
    sender: str
    password_set: bool


def smtp_view(env: Mapping[str, str]) -> SmtpView | None:
    """The RECEIVABLES_SMTP_* settings in force; None when no server is configured (Refused when unusable)."""
    smtp = SmtpSettings.from_env(env)
    if smtp is None:
        return None
    return SmtpView(smtp.host, smtp.port, smtp.security, smtp.user, smtp.sender, bool(smtp.password))


def send_test_mail(session: Session, env: Mapping[str, str], to: str, *, actor: str) -> str:
    """Send a short test message to `to` with the settings in force; its Message-ID, or MailFailed/Refused with
    the server's answer. The attempt is audited whatever the outcome (the caller commits a refusal's entry)."""
    smtp = SmtpSettings.from_env(env)
    if smtp is None:
        raise Refused("no mail server is configured: set RECEIVABLES_SMTP_HOST (and _PORT, _TLS, _USER, "
                      "_PASSWORD, _FROM) in the environment of `receivables serve`")
    mail = OutgoingMail(to=(to.strip(),), cc=(), subject="receivables: test e-mail / 测试邮件",
                        body=f"This test message was sent by {actor} from the receivables administration page "
                             f"through {smtp.describe()}.\n\n这是一封测试邮件，由 {actor} 在应收账款系统的管理页面发送。\n")
    try:
        message_id = send_mail(smtp, mail, attempts=1)
    except (MailFailed, Refused) as exc:
        audit.record(session, actor, "mail.test", "smtp", smtp.describe(),
                     detail={"to": to.strip(), "result": "failed", "error": str(exc)})
        raise
    audit.record(session, actor, "mail.test", "smtp", smtp.describe(),
                 detail={"to": to.strip(), "result": "sent", "message_id": message_id})
    return message_id
