"""Statutory rest days in China: official holidays, swapped working days (调休上班) and the weekend setting."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

# How far the search for the first day after a rest may look; no official rest lasts this long.
_LONGEST_REST_DAYS = 60


class ScheduleError(ValueError):
    """A holiday schedule that cannot be used; the message names the file and the field."""


@dataclass(frozen=True, slots=True)
class Notice:
    """The State Council notice (节假日安排) that published a schedule."""

    title: str
    url: str


@dataclass(frozen=True, slots=True)
class Holiday:
    """An official holiday (放假), first to last day inclusive."""

    name: str
    first: date
    last: date

    def days(self) -> tuple[date, ...]:
        count = (self.last - self.first).days + 1
        return tuple(self.first + timedelta(days=n) for n in range(count))


@dataclass(frozen=True, slots=True)
class SwappedWorkingDay:
    """A weekend day the notice makes a working day (调休上班) to lengthen a holiday."""

    date: date
    name: str


@dataclass(frozen=True, slots=True)
class HolidaySchedule:
    """One year's official holiday schedule, with where it was taken from."""

    year: int
    notices: tuple[Notice, ...]
    source: str
    holidays: tuple[Holiday, ...]
    working_days: tuple[SwappedWorkingDay, ...]


def schedule_from_data(data: object, origin: str) -> HolidaySchedule:
    """Read and check one year's schedule (the JSON document of holidays/cn/YYYY.json).

    `origin` names the file in every error, with the field at fault: `2027.json: holidays[2].last: ...`.
    """
    if not isinstance(data, Mapping):
        raise ScheduleError(f"{origin}: expected a JSON object with year, notices, source, holidays, working_days")
    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 1949 <= year <= 2200:
        raise ScheduleError(f"{origin}: year: expected a year such as 2027, got {year!r}")
    notices = tuple(
        Notice(_text(item, "title", f"{origin}: notices[{n}]"), _text(item, "url", f"{origin}: notices[{n}]"))
        for n, item in enumerate(_list(data, "notices", origin)))
    if not notices:
        raise ScheduleError(f"{origin}: notices: name at least one notice (title and url)")
    source = data.get("source")
    if not isinstance(source, str) or not source.strip():
        raise ScheduleError(f"{origin}: source: say where the dates were taken from")
    holidays = tuple(_holiday(item, year, f"{origin}: holidays[{n}]")
                     for n, item in enumerate(_list(data, "holidays", origin)))
    working_days = tuple(_working_day(item, year, f"{origin}: working_days[{n}]")
                         for n, item in enumerate(_list(data, "working_days", origin)))
    rest = {day for holiday in holidays for day in holiday.days()}
    for n, working in enumerate(working_days):
        if working.date in rest:
            raise ScheduleError(f"{origin}: working_days[{n}].date: {working.date} is also listed as a holiday")
    return HolidaySchedule(year, notices, source.strip(), holidays, working_days)


def _list(data: Mapping[str, object], field: str, origin: str) -> list[object]:
    value = data.get(field)
    if not isinstance(value, list):
        raise ScheduleError(f"{origin}: {field}: expected a list")
    return value


def _text(item: object, field: str, where: str) -> str:
    value = item.get(field) if isinstance(item, Mapping) else None
    if not isinstance(value, str) or not value.strip():
        raise ScheduleError(f"{where}.{field}: expected text")
    return value.strip()


def _day(item: object, field: str, year: int, where: str) -> date:
    text = _text(item, field, where)
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ScheduleError(f"{where}.{field}: not a date in the form 2027-01-31: {text!r}") from None
    if abs(day.year - year) > 1:  # a notice may reach into the neighbouring year (New Year)
        raise ScheduleError(f"{where}.{field}: {day} is not near the schedule's year {year}")
    return day


def _holiday(item: object, year: int, where: str) -> Holiday:
    holiday = Holiday(_text(item, "name", where), _day(item, "first", year, where), _day(item, "last", year, where))
    if holiday.last < holiday.first:
        raise ScheduleError(f"{where}.last: {holiday.last} is before first {holiday.first}")
    if (holiday.last - holiday.first).days >= _LONGEST_REST_DAYS:
        raise ScheduleError(f"{where}.last: a holiday of more than {_LONGEST_REST_DAYS} days is not plausible")
    return holiday


def _working_day(item: object, year: int, where: str) -> SwappedWorkingDay:
    return SwappedWorkingDay(_day(item, "date", year, where), _text(item, "name", where))


@dataclass(frozen=True, slots=True)
class RestDayCalendar:
    """Which days are statutory rest days (Civil Code Art. 203), under the weekend setting in force.

    Default: weekends and official holidays are rest days; official swapped working days are not.
    With `weekends_rest=False`, only official holidays are rest days. With `swapped_days_rest=True`, an
    official swapped working day (always a weekend day) stays a rest day, as an ordinary weekend.
    """

    holidays: frozenset[date] = frozenset()
    working_days: frozenset[date] = frozenset()
    years: frozenset[int] = frozenset()
    weekends_rest: bool = True
    swapped_days_rest: bool = False

    def is_rest_day(self, day: date) -> bool:
        if day in self.holidays:
            return True
        if day in self.working_days:
            return self.weekends_rest and self.swapped_days_rest
        return self.weekends_rest and day.weekday() >= 5

    def first_day_after_rest(self, day: date) -> date:
        """`day` itself when it is not a rest day; otherwise the first day after the rest."""
        for offset in range(_LONGEST_REST_DAYS):
            candidate = day + timedelta(days=offset)
            if not self.is_rest_day(candidate):
                return candidate
        raise ValueError(f"no working day within {_LONGEST_REST_DAYS} days of {day}: check the holiday data")

    def covers(self, day: date) -> bool:
        """Whether an official schedule is loaded for the day's year."""
        return day.year in self.years

    def setting(self) -> str:
        """The rest-day setting in force, as the assumptions state it."""
        if self.weekends_rest and self.swapped_days_rest:
            return ("Rest days: weekends and official holidays are rest days, and so are official swapped working "
                    "days (调休上班), counted as the weekend days they are (setting swapped_days_rest; the default "
                    "treats them as working days).")
        if self.weekends_rest:
            return ("Rest days: weekends and official holidays are rest days; official swapped working days "
                    "(调休上班) are working days (the default setting).")
        return ("Rest days: only official holidays are rest days; ordinary weekends are not "
                "(setting weekends_rest off, --no-weekends-rest).")


def rest_day_calendar(schedules: Iterable[HolidaySchedule], *, weekends_rest: bool = True,
                      swapped_days_rest: bool = False) -> RestDayCalendar:
    """The calendar of the given years' schedules; a later schedule for the same year replaces an earlier one."""
    by_year = {schedule.year: schedule for schedule in schedules}
    holidays = {day for s in by_year.values() for h in s.holidays for day in h.days()}
    working = {w.date for s in by_year.values() for w in s.working_days}
    return RestDayCalendar(frozenset(holidays), frozenset(working - holidays), frozenset(by_year), weekends_rest,
                           swapped_days_rest)
