"""Chinese line-breaking: no line starts with closing punctuation, none ends with opening punctuation."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from letters.fonts import cid_font
from letters.linebreak import CANNOT_END, CANNOT_START, break_lines, obeys_rules
from letters.styles import KinsokuParagraph, letter_styles

SAMPLE = ("根据双方签订的《设备买卖合同》，贵司应于2026年10月31日前支付货款¥1,234,567.00元。"
          "截至本函发出之日，贵司仍未付款（详见附表「一」）：请于七日内付清！可否？谢谢；此致、敬礼。")


def _lines(text: str, width: float) -> list[str]:
    return [text[line.start:line.end] for line in break_lines(list(text), [1.0] * len(text), [width])]


@pytest.mark.parametrize("width", range(2, 30))
def test_line_never_starts_with_closing_punctuation(width: int) -> None:
    for line in _lines(SAMPLE, float(width)):
        assert line[0] not in CANNOT_START


@pytest.mark.parametrize("width", range(2, 30))
def test_line_never_ends_with_opening_punctuation(width: int) -> None:
    for line in _lines(SAMPLE, float(width)):
        assert line.rstrip()[-1] not in CANNOT_END


def test_figures_and_latin_words_are_not_split() -> None:
    lines = _lines("amount CNY 1,234,567.00 overdue", 12.0)
    assert "1,234,567.00" in [part for line in lines for part in line.split()]


text_with_punctuation = st.text(alphabet="汉字测试金额，。、：；！？）」》（「《ab1 ", min_size=1, max_size=80)


@settings(max_examples=300)
@given(text_with_punctuation, st.integers(min_value=3, max_value=25))
def test_break_rules_hold_for_any_text(text: str, width: int) -> None:
    lines = [line.strip() for line in _lines(text, float(width))]
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    if any(len(line) < 2 for line in lines):
        return  # a line too narrow for two characters has no allowed break; punctuation hangs instead
    assert all(line[0] not in CANNOT_START for line in lines[1:] if line)
    assert all(line[-1] not in CANNOT_END for line in lines[:-1] if line)


def _reportlab_lines(text: str, width: float) -> list[str]:
    font = cid_font()
    paragraph = KinsokuParagraph(text, letter_styles(font.name).body)
    paragraph.wrap(width, 10_000)
    return ["".join(word.text for word in line.words) for line in paragraph.blPara.lines]


@pytest.mark.parametrize("width", [80, 97, 113, 150, 201, 260])
def test_reportlab_paragraph_is_taught_the_rule(width: float) -> None:
    lines = _reportlab_lines(SAMPLE, width)
    assert len(lines) > 1
    assert "".join(lines) == SAMPLE
    assert obeys_rules([line.strip() for line in lines])


def test_reportlab_default_wrapping_would_break_the_rule() -> None:
    from reportlab.platypus import Paragraph
    style = letter_styles(cid_font().name).body
    broken = False
    for width in range(60, 300, 3):
        paragraph = Paragraph(SAMPLE, style)
        paragraph.wrap(width, 10_000)
        texts = ["".join(str(w.text) if hasattr(w, "text") else "" for w in line.words)
                 if hasattr(line, "words") else "".join(line[1]) for line in paragraph.blPara.lines]
        broken = broken or not obeys_rules([t.strip() for t in texts if t.strip()])
    assert broken, "reportlab's own CJK wrapping no longer breaks the rule: KinsokuParagraph may be unneeded"
