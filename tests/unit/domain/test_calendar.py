"""Statutory rest days: official holidays, swapped working days and the weekend setting; the shipped schedules."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from receivables.domain.calendar import RestDayCalendar, ScheduleError, rest_day_calendar, schedule_from_data
from receivables.files.holiday_schedules import load_rest_day_calendar, load_schedules

SHIPPED_YEARS = list(range(2010, 2027))


def _schedule_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "year": 2030,
        "notices": [{"title": "国务院办公厅关于2030年部分节假日安排的通知", "url": "https://www.gov.cn/x"}],
        "source": "a test",
        "holidays": [{"name": "国庆节", "first": "2030-10-01", "last": "2030-10-07"}],
        "working_days": [{"date": "2030-10-12", "name": "国庆节"}],
    }
    data.update(changes)
    return data


@pytest.fixture(scope="module")
def shipped() -> RestDayCalendar:
    return load_rest_day_calendar(None)


def test_every_published_year_from_2010_to_2026_ships_with_its_notice_and_source() -> None:
    loaded = load_schedules(None)
    assert [entry.schedule.year for entry in loaded] == SHIPPED_YEARS
    for entry in loaded:
        assert entry.origin == "shipped"
        assert entry.schedule.notices[0].title == f"国务院办公厅关于{entry.schedule.year}年部分节假日安排的通知"
        assert "gov.cn" in entry.schedule.notices[0].url
        assert "holiday-cn" in entry.schedule.source


def test_swapped_working_days_are_always_weekend_days_in_the_shipped_data() -> None:
    for entry in load_schedules(None):
        for working in entry.schedule.working_days:
            assert working.date.weekday() >= 5, (entry.schedule.year, working)


def test_every_shipped_year_has_spring_festival_and_national_day() -> None:
    for entry in load_schedules(None):
        names = " ".join(h.name for h in entry.schedule.holidays)
        assert "春节" in names and "国庆节" in names, entry.schedule.year


def test_2024_spring_festival_and_national_day_match_the_notice(shipped: RestDayCalendar) -> None:
    for offset in range(8):
        assert shipped.is_rest_day(date(2024, 2, 10) + timedelta(days=offset))
    assert not shipped.is_rest_day(date(2024, 2, 4))  # Sunday, worked
    assert not shipped.is_rest_day(date(2024, 2, 18))  # Sunday, worked
    for day in range(1, 8):
        assert shipped.is_rest_day(date(2024, 10, day))
    assert not shipped.is_rest_day(date(2024, 9, 29))  # Sunday, worked
    assert not shipped.is_rest_day(date(2024, 10, 12))  # Saturday, worked
    assert not shipped.is_rest_day(date(2024, 10, 8))


def test_2026_schedule_matches_the_notice_of_november_2025(shipped: RestDayCalendar) -> None:
    assert all(shipped.is_rest_day(date(2026, 2, d)) for d in range(15, 24))  # nine days of Spring Festival
    assert not shipped.is_rest_day(date(2026, 2, 14)) and not shipped.is_rest_day(date(2026, 2, 28))
    assert not shipped.is_rest_day(date(2026, 1, 4)) and not shipped.is_rest_day(date(2026, 9, 20))
    assert shipped.is_rest_day(date(2026, 10, 7)) and not shipped.is_rest_day(date(2026, 10, 10))


def test_new_year_holiday_reaching_into_the_previous_year_counts(shipped: RestDayCalendar) -> None:
    assert shipped.is_rest_day(date(2022, 12, 31))  # 2023 notice
    assert not shipped.is_rest_day(date(2018, 12, 29))  # Saturday worked under the 2019 notice


def test_weekends_are_rest_days_by_default_and_swapped_working_days_are_not() -> None:
    calendar = rest_day_calendar([schedule_from_data(_schedule_data(), "2030.json")])
    assert calendar.is_rest_day(date(2030, 10, 5))  # inside the holiday
    assert calendar.is_rest_day(date(2030, 10, 19))  # an ordinary Saturday
    assert not calendar.is_rest_day(date(2030, 10, 12))  # a swapped working Saturday
    assert not calendar.is_rest_day(date(2030, 10, 8))


def test_with_weekends_not_counted_only_official_holidays_are_rest_days() -> None:
    calendar = rest_day_calendar([schedule_from_data(_schedule_data(), "2030.json")], weekends_rest=False)
    assert not calendar.is_rest_day(date(2030, 10, 19))
    assert calendar.is_rest_day(date(2030, 10, 5))
    assert "only official holidays" in calendar.setting()


def test_the_first_day_after_a_rest_skips_the_whole_holiday_and_the_weekend_after_it() -> None:
    calendar = rest_day_calendar([schedule_from_data(_schedule_data(), "2030.json")])
    assert calendar.first_day_after_rest(date(2030, 10, 1)) == date(2030, 10, 8)
    assert calendar.first_day_after_rest(date(2030, 10, 8)) == date(2030, 10, 8)
    assert calendar.first_day_after_rest(date(2030, 10, 19)) == date(2030, 10, 21)


def test_a_calendar_says_which_years_it_covers() -> None:
    calendar = rest_day_calendar([schedule_from_data(_schedule_data(), "2030.json")])
    assert calendar.covers(date(2030, 1, 1)) and not calendar.covers(date(2031, 1, 1))
    assert not RestDayCalendar().covers(date(2030, 1, 1))


@pytest.mark.parametrize(("changes", "field"), [
    ({"year": "2030"}, "year"),
    ({"notices": []}, "notices"),
    ({"notices": [{"title": "x"}]}, "notices[0].url"),
    ({"source": ""}, "source"),
    ({"holidays": {}}, "holidays"),
    ({"holidays": [{"name": "国庆节", "first": "2030-10-01", "last": "2030-13-07"}]}, "holidays[0].last"),
    ({"holidays": [{"name": "国庆节", "first": "2030-10-07", "last": "2030-10-01"}]}, "holidays[0].last"),
    ({"holidays": [{"first": "2030-10-01", "last": "2030-10-07"}]}, "holidays[0].name"),
    ({"holidays": [{"name": "x", "first": "2035-10-01", "last": "2035-10-01"}]}, "holidays[0].first"),
    ({"working_days": [{"date": "2030-10-03", "name": "国庆节"}]}, "working_days[0].date"),
    ({"working_days": [{"date": "12 Oct", "name": "国庆节"}]}, "working_days[0].date"),
])
def test_a_bad_schedule_is_refused_naming_the_file_and_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ScheduleError, match="^" + re.escape(f"2030.json: {field}:")):
        schedule_from_data(_schedule_data(**changes), "2030.json")


def test_a_user_file_adds_a_year_and_replaces_a_shipped_one(tmp_path: Path) -> None:
    folder = tmp_path / "holidays" / "cn"
    folder.mkdir(parents=True)
    (folder / "2030.json").write_text(json.dumps(_schedule_data()), encoding="utf-8")
    (folder / "2024.json").write_text(json.dumps(_schedule_data(year=2024, holidays=[], working_days=[])),
                                      encoding="utf-8")
    loaded = {entry.schedule.year: entry for entry in load_schedules(tmp_path)}
    assert loaded[2030].origin == "user" and loaded[2024].origin == "user" and loaded[2023].origin == "shipped"
    calendar = load_rest_day_calendar(tmp_path)
    assert calendar.is_rest_day(date(2030, 10, 2)) and not calendar.is_rest_day(date(2024, 10, 2))


def test_a_user_file_whose_name_is_not_its_year_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "holidays" / "cn"
    folder.mkdir(parents=True)
    (folder / "2031.json").write_text(json.dumps(_schedule_data()), encoding="utf-8")
    with pytest.raises(ScheduleError, match=r"2031\.json: year: 2030 does not match the file name"):
        load_schedules(tmp_path)


def test_a_user_file_that_is_not_json_is_refused_with_the_line(tmp_path: Path) -> None:
    folder = tmp_path / "holidays" / "cn"
    folder.mkdir(parents=True)
    (folder / "2030.json").write_text("{\n  \"year\": 2030,\n", encoding="utf-8")
    with pytest.raises(ScheduleError, match=r"2030\.json: not valid JSON \(line 3"):
        load_schedules(tmp_path)


def test_swapped_working_days_can_be_set_to_stay_rest_days() -> None:
    from receivables.domain.limitation import limitation

    default = load_rest_day_calendar(None)
    swapped_rest = load_rest_day_calendar(None, swapped_days_rest=True)
    # 2024-02-04, a Sunday, was an official working day (Spring Festival swap).
    assert not default.is_rest_day(date(2024, 2, 4))
    assert swapped_rest.is_rest_day(date(2024, 2, 4))
    assert limitation("CN", [date(2021, 2, 4)], [], default).expires_on == date(2024, 2, 4)
    assert limitation("CN", [date(2021, 2, 4)], [], swapped_rest).expires_on == date(2024, 2, 5)
    assert "swapped_days_rest" in swapped_rest.setting()


def test_the_rest_day_setting_file_sets_the_default_and_a_flag_overrides_it(tmp_path: Path) -> None:
    (tmp_path / "holidays").mkdir()
    (tmp_path / "holidays" / "rest_days.json").write_text('{"weekends_rest": false}', encoding="utf-8")
    assert not load_rest_day_calendar(tmp_path).weekends_rest
    assert load_rest_day_calendar(tmp_path, weekends_rest=True).weekends_rest


def test_a_malformed_rest_day_setting_names_the_file_and_field(tmp_path: Path) -> None:
    (tmp_path / "holidays").mkdir()
    (tmp_path / "holidays" / "rest_days.json").write_text('{"weekends_rest": "yes"}', encoding="utf-8")
    with pytest.raises(ScheduleError, match=r"rest_days\.json: weekends_rest: expected true or false"):
        load_rest_day_calendar(tmp_path)
