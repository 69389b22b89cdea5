"""PDF output read back by poppler: Chinese text extracts with an embedded TrueType font and with the
built-in CID font, and page 1 shows ink where the Chinese text is."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from PIL import Image as PILImage

from letters_poppler import pdf_text, require_tool
from letters import TemplateCatalog, load_data, render_letter, shipped_templates_dir
from letters.fonts import SYSTEM_FONTS

EXAMPLES = shipped_templates_dir() / "examples"


def _letter(name: str, font: Any, locale: str = "zh_CN", data: dict[str, Any] | None = None) -> bytes:
    info = TemplateCatalog([shipped_templates_dir()]).get(name, locale)
    letter = render_letter(info, data or load_data(EXAMPLES / f"{name}.{locale}.json"), ("pdf",), font=font)
    return letter.files["pdf"]


def _truetype() -> Path:
    for candidate in SYSTEM_FONTS:
        if Path(candidate).is_file():
            return Path(candidate)
    pytest.skip("no TrueType CJK font installed (apt-get install fonts-wqy-microhei)")


def _normalised(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("font_kind", ["truetype", "cid"])
def test_pdftotext_extracts_the_chinese_text(font_kind: str, tmp_path: Path) -> None:
    font = _truetype() if font_kind == "truetype" else "cid"
    text = _normalised(pdf_text(_letter("demand", font), tmp_path))
    for expected in ("催款函", "上海恒信机电设备有限公司", "杭州明达建设工程有限公司", "人民币壹拾万元整",
                     "2026年11月29日", "第1页共2页"):
        assert expected in text, expected
    assert re.search("[¥￥]100,000.00", text), "the amount in figures (the CID font prints the full-width ￥)"


def test_cid_fallback_via_environment_still_extracts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECEIVABLES_FONT", str(tmp_path / "no-such-font.ttf"))
    pdf = _letter("collection_notice", None)
    assert b"/FontFile2" not in pdf and b"STSong-Light" in pdf
    text = _normalised(pdf_text(pdf, tmp_path))
    assert "我单位确认截至________尚欠贵司人民币____________元" in text


def test_truetype_font_is_embedded(tmp_path: Path) -> None:
    assert b"/FontFile2" in _letter("demand", _truetype())


def test_english_letter_has_page_x_of_y(tmp_path: Path) -> None:
    text = pdf_text(_letter("demand", "cid", locale="en"), tmp_path)
    assert "Page 1 of" in text and "29 November 2026" in text


def test_item_table_header_repeats_on_every_page(tmp_path: Path) -> None:
    data = load_data(EXAMPLES / "demand.zh_CN.json")
    data["items"] = [dict(data["items"][i % 3], number=f"FP-{i:05d}") for i in range(300)]
    pages = pdf_text(_letter("demand", "cid", data=data), tmp_path).split("\f")
    table_pages = [p for p in pages if "FP-0" in p]
    assert len(table_pages) >= 3
    assert all("单据编号" in _normalised(p) for p in table_pages)


@pytest.mark.parametrize("name", ["demand", "collection_notice"])
@pytest.mark.parametrize("font_kind", ["truetype", "cid"])
def test_page_one_is_not_blank_where_the_chinese_text_is(name: str, font_kind: str, tmp_path: Path) -> None:
    font = _truetype() if font_kind == "truetype" else "cid"
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(_letter(name, font))
    tool = require_tool("pdftoppm")
    subprocess.run([tool, "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True)
    image = PILImage.open(next(tmp_path.glob("page*.png"))).convert("L")
    width, height = image.size
    title_band = image.crop((int(width * 0.2), int(height * 0.02), int(width * 0.8), int(height * 0.2)))
    body_band = image.crop((int(width * 0.1), int(height * 0.25), int(width * 0.9), int(height * 0.45)))
    for band in (title_band, body_band):
        dark = sum(1 for value in band.getdata() if value < 128)
        assert dark > 200, f"only {dark} dark pixels: the Chinese text did not render"
