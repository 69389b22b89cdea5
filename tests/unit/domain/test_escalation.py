"""Escalation routing: every rule of domain.escalation, with the debtor's people written inline."""

from __future__ import annotations

import pytest

from receivables.domain.escalation import route
from receivables.domain.orgchart import OrgContact

DEBTOR = "华东建设集团"


def person(id: int, name: str, role: str, *, stance: str = "unknown", reports_to: int | None = None,
           decides: bool = False, active: bool = True, debtor: int = 1) -> OrgContact:
    return OrgContact(id, debtor, name, role, stance=stance, reports_to_id=reports_to, decision_maker=decides,
                      active=active)


BOSS = person(1, "赵总", "boss", decides=True)
FINANCE_LEAD = person(2, "钱经理", "finance", reports_to=1)
CLERK = person(3, "孙会计", "finance", reports_to=2)
DESK = person(4, "李前台", "front_desk", reports_to=1)


def names(result) -> list[str]:
    return [r.name for r in result.recipients]


def test_recipients_follow_the_order_of_the_target_roles():
    result = route(DEBTOR, [BOSS, FINANCE_LEAD, DESK], ["finance", "boss"])
    assert names(result) == ["钱经理", "赵总"]
    assert result.gaps == ()


def test_within_a_role_decision_makers_come_first_then_by_id():
    deciding_clerk = person(3, "孙会计", "finance", decides=True)
    result = route(DEBTOR, [FINANCE_LEAD, deciding_clerk], ["finance"])
    assert names(result) == ["孙会计", "钱经理"]


def test_inactive_contacts_are_skipped():
    left = person(2, "钱经理", "finance", reports_to=1, active=False)
    result = route(DEBTOR, [BOSS, left, CLERK], ["finance"])
    assert names(result) == ["孙会计"]


def test_a_role_whose_contacts_all_left_falls_back_to_their_superior():
    left = person(3, "孙会计", "finance", reports_to=5, active=False)
    cfo = person(5, "周总监", "other", reports_to=1)
    result = route(DEBTOR, [BOSS, left, cfo], ["finance"])
    assert names(result) == ["周总监"]
    assert "has left" in result.recipients[0].reason
    assert result.gaps == (f"no active finance contact for {DEBTOR} (孙会计 left)",)


def test_a_missing_role_falls_back_to_the_decision_maker_and_reports_the_gap():
    result = route(DEBTOR, [BOSS, DESK], ["finance"])
    assert names(result) == ["赵总"]
    assert result.recipients[0].reason.startswith("no reachable finance contact")
    assert result.gaps == (f"no finance contact mapped for {DEBTOR}",)


def test_no_decision_maker_is_a_gap():
    result = route(DEBTOR, [FINANCE_LEAD], ["boss"])
    assert result.recipients == ()
    assert result.gaps == (f"no decision maker mapped for {DEBTOR}",)


def test_a_boss_contact_is_the_decision_maker_when_nobody_is_flagged():
    boss = person(1, "赵总", "boss")
    assert names(route(DEBTOR, [boss], ["boss"])) == ["赵总"]


def test_a_flagged_decision_maker_of_another_role_serves_the_boss_step():
    deciding_cfo = person(2, "钱总监", "finance", decides=True)
    boss = person(1, "赵总", "boss")
    assert names(route(DEBTOR, [boss, deciding_cfo], ["boss"])) == ["钱总监"]


def test_an_inactive_decision_maker_does_not_count():
    gone = person(1, "赵总", "boss", decides=True, active=False)
    assert route(DEBTOR, [gone], ["boss"]).gaps == (f"no decision maker mapped for {DEBTOR}",)


def test_a_gatekeeper_front_desk_is_bypassed_to_their_superior():
    gatekeeper = person(4, "李前台", "front_desk", stance="gatekeeper", reports_to=6)
    office = person(6, "吴主任", "other", reports_to=1)
    result = route(DEBTOR, [BOSS, gatekeeper, office], ["front_desk"])
    assert names(result) == ["吴主任"]
    assert "gatekeeper" in result.recipients[0].reason
    assert result.gaps == ()


def test_a_gatekeeper_front_desk_without_a_superior_leads_to_the_decision_maker():
    gatekeeper = person(4, "李前台", "front_desk", stance="gatekeeper")
    assert names(route(DEBTOR, [BOSS, gatekeeper], ["front_desk"])) == ["赵总"]


def test_a_cooperative_front_desk_is_reached():
    helpful = person(4, "李前台", "front_desk", stance="cooperative")
    assert names(route(DEBTOR, [BOSS, helpful], ["front_desk"])) == ["李前台"]


def test_an_evasive_decision_maker_leads_to_their_superior():
    evasive = person(1, "赵总", "boss", decides=True, stance="evasive", reports_to=7)
    chairman = person(7, "王董事长", "other")
    result = route(DEBTOR, [evasive, chairman], ["boss"])
    assert names(result) == ["王董事长"]
    assert "evasive" in result.recipients[0].reason
    assert not result.formal_route


def test_an_evasive_decision_maker_without_a_superior_leads_to_the_formal_route():
    evasive = person(1, "赵总", "boss", decides=True, stance="evasive")
    legal = person(8, "冯法人", "legal_rep")
    result = route(DEBTOR, [evasive, legal], ["boss"])
    assert names(result) == ["冯法人"]
    assert "formal route" in result.recipients[0].reason
    assert result.formal_route


def test_an_evasive_decision_maker_with_no_one_above_is_a_gap_naming_the_legal_route():
    evasive = person(1, "赵总", "boss", decides=True, stance="evasive")
    result = route(DEBTOR, [evasive], ["boss"])
    assert result.recipients == ()
    assert result.formal_route
    assert "formal legal route" in result.gaps[0]


def test_nobody_is_listed_twice():
    result = route(DEBTOR, [BOSS, DESK], ["finance", "boss"])
    assert names(result) == ["赵总"]


def test_a_missing_legal_representative_is_a_gap():
    result = route(DEBTOR, [BOSS], ["legal_rep"])
    assert result.gaps[0] == f"no legal representative contact mapped for {DEBTOR}"
    assert names(result) == ["赵总"]


def test_the_json_document_has_recipients_and_gaps_only():
    document = route(DEBTOR, [BOSS], ["finance"]).as_document()
    assert set(document) == {"recipients", "gaps"}
    assert set(document["recipients"][0]) == {"name", "role", "reason"}


def test_an_unknown_role_is_refused():
    with pytest.raises(ValueError, match="unknown role 'cfo'"):
        route(DEBTOR, [BOSS], ["cfo"])
