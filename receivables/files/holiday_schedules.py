"""The official Chinese holiday schedules: shipped with the product, and added by users as JSON files."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from receivables.domain.calendar import (
    HolidaySchedule,
    RestDayCalendar,
    ScheduleError,
    rest_day_calendar,
    schedule_from_data,
)

_FILE_NAME = re.compile(r"^(\d{4})\.json$")
USER_FOLDER = Path("holidays") / "cn"
SETTING_FILE = Path("holidays") / "rest_days.json"


@dataclass(frozen=True, slots=True)
class LoadedSchedule:
    """A year's schedule and where it came from: `shipped`, or `user` (the file, which replaces a shipped year)."""

    schedule: HolidaySchedule
    origin: str
    path: str


def shipped_folder() -> Traversable:
    return resources.files("receivables") / "data" / "holidays" / "cn"


def user_folder(home: Path) -> Path:
    """Where users drop a year: `$RECEIVABLES_HOME/holidays/cn/YYYY.json`."""
    return home / USER_FOLDER


def read_schedule_file(path: Path | Traversable, label: str | None = None) -> HolidaySchedule:
    """One file, checked: the JSON, every field, and that the name is the year (`2027.json`)."""
    name = label or str(path)
    match = _FILE_NAME.match(path.name)
    if not match:
        raise ScheduleError(f"{name}: the file must be named after its year, e.g. 2027.json")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ScheduleError(f"{name}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ScheduleError(f"{name}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except OSError as exc:
        raise ScheduleError(f"{name}: cannot be read ({exc.strerror})") from None
    schedule = schedule_from_data(data, name)
    if schedule.year != int(match.group(1)):
        raise ScheduleError(f"{name}: year: {schedule.year} does not match the file name")
    return schedule


def load_schedules(home: Path | None) -> list[LoadedSchedule]:
    """Every year: the shipped files, then the user's, a user file replacing the shipped year. Ordered by year."""
    loaded: dict[int, LoadedSchedule] = {}
    for entry in sorted(shipped_folder().iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            schedule = read_schedule_file(entry, f"shipped holidays/cn/{entry.name}")
            loaded[schedule.year] = LoadedSchedule(schedule, "shipped", f"holidays/cn/{entry.name}")
    folder = user_folder(home) if home is not None else None
    if folder is not None and folder.is_dir():
        for path in sorted(folder.glob("*.json")):
            schedule = read_schedule_file(path)
            loaded[schedule.year] = LoadedSchedule(schedule, "user", str(path))
    return [loaded[year] for year in sorted(loaded)]


@dataclass(frozen=True, slots=True)
class RestDaySetting:
    """Which days count as rest days (Civil Code Art. 203), as set in `$RECEIVABLES_HOME/holidays/rest_days.json`."""

    weekends_rest: bool = True
    swapped_days_rest: bool = False


def read_rest_day_setting(home: Path | None) -> RestDaySetting:
    """The setting file if the user wrote one (`{"weekends_rest": true, "swapped_days_rest": false}`), else the
    default stated in DOMAIN.md: weekends and official holidays are rest days, swapped working days are not."""
    path = home / SETTING_FILE if home is not None else None
    if path is None or not path.is_file():
        return RestDaySetting()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, OSError) as exc:
        raise ScheduleError(f"{path}: not a readable JSON object ({exc})") from None
    if not isinstance(data, dict):
        raise ScheduleError(f"{path}: expected a JSON object with weekends_rest and swapped_days_rest")
    unknown = sorted(set(data) - {"weekends_rest", "swapped_days_rest"})
    if unknown:
        raise ScheduleError(f"{path}: {unknown[0]}: unknown setting (known: weekends_rest, swapped_days_rest)")
    values = {}
    for field, default in (("weekends_rest", True), ("swapped_days_rest", False)):
        value = data.get(field, default)
        if not isinstance(value, bool):
            raise ScheduleError(f"{path}: {field}: expected true or false, got {value!r}")
        values[field] = value
    return RestDaySetting(**values)


def load_rest_day_calendar(home: Path | None, *, weekends_rest: bool | None = None,
                           swapped_days_rest: bool | None = None) -> RestDayCalendar:
    """Every loaded year under the user's setting; an explicit argument (a command-line flag) wins over it."""
    setting = read_rest_day_setting(home)
    return rest_day_calendar(
        (entry.schedule for entry in load_schedules(home)),
        weekends_rest=setting.weekends_rest if weekends_rest is None else weekends_rest,
        swapped_days_rest=setting.swapped_days_rest if swapped_days_rest is None else swapped_days_rest)
