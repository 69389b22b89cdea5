"""Pure parts of the legal area: the watch's bands, event kinds per jurisdiction, statutes data, fees, wording."""

from __future__ import annotations

from decimal import Decimal

import pytest

from receivables.domain.interest import parse_rule
from receivables.domain.limitation import LimitationError, check_event_kind
from receivables.files.statutes import StatuteError, parse_statutes, relied_on, shipped_statutes
from receivables.services.lawyer_letters import LawyerLetterRefused, parse_fee, rule_wording
from receivables.services.legal import band_of


@pytest.mark.parametrize(("days_left", "band"), [(0, 30), (30, 30), (31, 90), (90, 90), (91, 180), (180, 180),
                                                  (181, None), (-1, None)])
def test_each_item_falls_in_the_narrowest_band_and_expired_items_in_none(days_left: int, band: int | None) -> None:
    assert band_of(days_left) == band


def test_a_demand_is_an_event_in_china_but_not_in_england_or_germany() -> None:
    check_event_kind("CN", "demand")
    for jurisdiction in ("UK", "DE"):
        with pytest.raises(LimitationError, match=f"{jurisdiction} does not know the event 'demand'"):
            check_event_kind(jurisdiction, "demand")
    with pytest.raises(LimitationError, match="unknown jurisdiction"):
        check_event_kind("FR", "acknowledgment")


def test_shipped_statutes_cite_the_civil_code_articles_the_letter_relies_on() -> None:
    cited = {s["id"] for s in relied_on(shipped_statutes(), "CN", ["sale", "penalty", "costs", "demand"], "zh_CN")}
    assert {"cn_civil_code_509", "cn_civil_code_577", "cn_civil_code_579", "cn_civil_code_585",
            "cn_civil_code_626", "cn_civil_code_188", "cn_civil_code_195", "cn_litigation_fees_29"} <= cited
    assert "cn_civil_code_676" not in cited  # a loan article, not for a sale


def test_chinese_statute_text_has_no_spaces_from_folded_lines() -> None:
    text = next(s.text["zh_CN"] for s in shipped_statutes() if s.id == "cn_civil_code_585")
    assert " " not in text and "当事人就迟延履行约定违约金的" in text


def test_a_statute_without_english_text_is_refused_naming_the_entry() -> None:
    document = {"statutes": [{"id": "x", "jurisdiction": "CN", "when": "always", "source": "s",
                              "citation": {"zh_CN": "a", "en": "b"}, "text": {"zh_CN": "c"}}]}
    with pytest.raises(StatuteError, match=r"statutes\[0\]\.text: give the text in zh_CN and en"):
        parse_statutes(document, "statutes.yaml")


def test_a_fee_is_a_description_and_a_positive_amount() -> None:
    fee = parse_fee("律师费（合同第十二条）:5,000.00")
    assert (fee.description, fee.amount) == ("律师费（合同第十二条）", Decimal("5000.00"))
    for bad in ("5000", "Lawyer:-5", "Lawyer:abc"):
        with pytest.raises(LawyerLetterRefused):
            parse_fee(bad)


def test_the_letter_names_the_rule_and_where_it_comes_from() -> None:
    assert rule_wording(parse_rule("daily:0.0005"), "contract HT-1", "zh_CN") == "每日0.05%（合同HT-1约定）"
    assert rule_wording(parse_rule("annual:6%"), "--interest-rule", "en") == "6% a year (as claimed by our client)"
    assert "1.5 times the 1-year Loan Prime Rate" in rule_wording(parse_rule("lpr:1.5"), "company default", "en")
