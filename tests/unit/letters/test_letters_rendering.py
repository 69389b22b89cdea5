"""Rendering: deterministic bytes, long tables, wrapping, missing glyphs, logos, formats."""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
import zipfile
from copy import deepcopy
from pathlib import Path
from typing import Any

import pytest
from PIL import Image as PILImage
from pypdf import PdfReader

from letters import LetterError, TemplateCatalog, load_data, render_letter, shipped_templates_dir
from letters.fonts import cid_font
from letters.styles import KinsokuParagraph, letter_styles

EXAMPLES = shipped_templates_dir() / "examples"


def _demand(locale: str = "zh_CN") -> tuple[Any, dict[str, Any]]:
    info = TemplateCatalog([shipped_templates_dir()]).get("demand", locale)
    return info, load_data(EXAMPLES / f"demand.{locale}.json")


def test_same_template_and_data_give_identical_bytes_and_hashes() -> None:
    info, data = _demand()
    first, second = render_letter(info, data), render_letter(info, deepcopy(data))
    assert first.files == second.files
    assert first.sha256 == second.sha256
    assert first.sha256["pdf"] == hashlib.sha256(first.files["pdf"]).hexdigest()


def test_output_is_identical_across_processes() -> None:
    info, data = _demand()
    here = render_letter(info, data, font="cid").sha256
    script = ("from letters import *; from letters.rendering import load_data; "
              "info = TemplateCatalog([shipped_templates_dir()]).get('demand', 'zh_CN'); "
              "r = render_letter(info, load_data(shipped_templates_dir() / 'examples' / 'demand.zh_CN.json'), font='cid'); "
              "print(r.sha256['pdf'], r.sha256['docx'])")
    there = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                           cwd=Path(__file__).resolve().parents[3]).stdout.split()
    assert there == [here["pdf"], here["docx"]]


def test_docx_zip_has_fixed_timestamps() -> None:
    info, data = _demand()
    with zipfile.ZipFile(io.BytesIO(render_letter(info, data, ("docx",)).files["docx"])) as archive:
        assert {entry.date_time for entry in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert archive.namelist()[0] == "[Content_Types].xml"


def test_table_of_5000_items_flows_across_pages() -> None:
    info, data = _demand()
    data["items"] = [dict(data["items"][i % 3], number=f"FP-{i:05d}") for i in range(5000)]
    letter = render_letter(info, data, font="cid")
    assert len(PdfReader(io.BytesIO(letter.files["pdf"])).pages) > 50
    with zipfile.ZipFile(io.BytesIO(letter.files["docx"])) as archive:
        body = archive.read("word/document.xml").decode()
    assert body.count("FP-0") == 5000
    assert body.count("<w:tblHeader/>") == 2  # items and interest tables, one header row each


def test_very_long_company_name_wraps_within_the_page() -> None:
    name = "上海恒信机电设备国际贸易与工程技术服务（集团）股份有限公司第二分公司" * 3
    font = cid_font()
    paragraph = KinsokuParagraph(name, letter_styles(font.name).letterhead_name)
    width = 450.0
    paragraph.wrap(width, 10_000)
    assert len(paragraph.blPara.lines) > 1
    assert all(line.currentWidth <= width + 1 for line in paragraph.blPara.lines)
    info, data = _demand()
    data["letterhead"]["name"] = name
    assert render_letter(info, data, ("pdf",), font="cid").files["pdf"].startswith(b"%PDF")


def test_missing_glyph_is_replaced_visibly_and_warned() -> None:
    info, data = _demand()
    data["recipient"]["name"] = "王𠀀明"
    letter = render_letter(info, data, ("pdf",), font="cid")
    assert any("U+20000" in w and "〓" in w for w in letter.warnings)


def test_cid_fallback_warns_that_the_font_is_not_embedded(tmp_path: Path) -> None:
    info, data = _demand()
    letter = render_letter(info, data, ("pdf",), font=tmp_path / "missing.ttf")
    assert any("NOT embedded" in w and "missing.ttf" in w for w in letter.warnings)


def test_logo_that_is_not_an_image_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "logo.png"
    fake.write_text("not a picture")
    info, data = _demand()
    data["letterhead"]["logo"] = str(fake)
    with pytest.raises(LetterError, match="is not an image"):
        render_letter(info, data)


def test_logo_image_appears_in_both_formats(tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    PILImage.new("RGB", (120, 40), (200, 30, 30)).save(logo)
    info, data = _demand()
    data["letterhead"]["logo"] = str(logo)
    letter = render_letter(info, data, font="cid")
    assert b"/Subtype /Image" in letter.files["pdf"]
    with zipfile.ZipFile(io.BytesIO(letter.files["docx"])) as archive:
        assert "word/media/image1.png" in archive.namelist()


def test_unknown_format_and_bad_data_are_clear_errors() -> None:
    info, data = _demand()
    with pytest.raises(LetterError, match="unknown format odt"):
        render_letter(info, data, ("odt",))
    data["totals"]["open"] = "lots"
    with pytest.raises(LetterError, match=r"demand.md line \d+: amount 'lots' is not a number"):
        render_letter(info, data)


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.json")))
def test_every_example_renders_in_both_formats(example: str) -> None:
    name, locale, _ = example.split(".")
    info = TemplateCatalog([shipped_templates_dir()]).get(name, locale)
    letter = render_letter(info, load_data(EXAMPLES / example), font="cid")
    assert letter.files["pdf"].startswith(b"%PDF") and letter.files["docx"].startswith(b"PK")
