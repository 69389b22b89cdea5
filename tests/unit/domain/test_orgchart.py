"""The reporting tree of a debtor: cycles and cross-debtor superiors are refused; names parse in zh and en."""

from __future__ import annotations

import pytest

from receivables.domain.orgchart import (
    OrgContact, check_email, check_hours, parse_role, parse_stance, reporting_line_problem, superiors, tree_problems,
)


def person(id: int, name: str, reports_to: int | None = None, debtor: int = 1) -> OrgContact:
    return OrgContact(id, debtor, name, "other", reports_to_id=reports_to)


TREE = [person(1, "赵总"), person(2, "钱经理", 1), person(3, "孙会计", 2)]


def test_superiors_are_listed_nearest_first():
    assert [c.name for c in superiors(TREE, 3)] == ["钱经理", "赵总"]


def test_a_contact_may_report_to_anyone_above_or_beside_them():
    assert reporting_line_problem(TREE, 3, 1, 1) is None


def test_reporting_to_a_subordinate_makes_a_cycle_and_is_refused():
    problem = reporting_line_problem(TREE, 1, 1, 3)
    assert problem is not None and "cycle" in problem


def test_reporting_to_oneself_is_refused():
    assert "themselves" in (reporting_line_problem(TREE, 2, 1, 2) or "")


def test_a_superior_of_another_debtor_is_refused():
    stranger = person(9, "外人", debtor=2)
    problem = reporting_line_problem([*TREE, stranger], 3, 1, 9)
    assert problem is not None and "another debtor" in problem


def test_a_new_contact_may_report_to_an_existing_one():
    assert reporting_line_problem(TREE, None, 1, 2) is None


def test_tree_problems_find_each_cycle_once():
    looped = [person(1, "甲", 3), person(2, "乙", 1), person(3, "丙", 2), person(4, "丁", 1)]
    problems = tree_problems(looped)
    assert len(problems) == 1 and "cycle" in problems[0]


def test_tree_problems_find_cross_debtor_links():
    mixed = [person(1, "甲"), person(2, "乙", 9), person(9, "外人", debtor=2)]
    assert tree_problems(mixed) == ["乙 reports to 外人, a contact of another debtor"]


def test_a_tree_has_no_problems():
    assert tree_problems(TREE) == []


@pytest.mark.parametrize("text, role", [("finance", "finance"), ("财务", "finance"), ("前台", "front_desk"),
                                        ("Boss", "boss"), ("法定代表人", "legal_rep")])
def test_roles_are_read_in_english_and_chinese(text: str, role: str):
    assert parse_role(text) == role


def test_an_unknown_role_names_the_allowed_ones():
    with pytest.raises(ValueError, match="unknown role 'cfo' \\(allowed: front_desk"):
        parse_role("cfo")


@pytest.mark.parametrize("text, stance", [("evasive", "evasive"), ("回避", "evasive"), ("", "unknown"),
                                          ("Gatekeeper", "gatekeeper")])
def test_stances_are_read_in_english_and_chinese(text: str, stance: str):
    assert parse_stance(text) == stance


def test_an_unknown_stance_is_refused():
    with pytest.raises(ValueError, match="unknown stance 'hostile'"):
        parse_stance("hostile")


@pytest.mark.parametrize("bad", ["zhang", "a@b", "a b@c.com", "x@y.com;z@w.com", "@c.com"])
def test_malformed_email_is_refused(bad: str):
    with pytest.raises(ValueError, match="malformed e-mail"):
        check_email(bad)


def test_a_plain_email_is_accepted():
    assert check_email(" li.na@huadong-jianshe.cn ") == "li.na@huadong-jianshe.cn"


def test_hours_are_a_window_that_ends_after_it_starts():
    assert check_hours("09:00-17:30") == ("09:00", "17:30")
    with pytest.raises(ValueError):
        check_hours("18:00-09:00")
    with pytest.raises(ValueError):
        check_hours("9am-5pm")
