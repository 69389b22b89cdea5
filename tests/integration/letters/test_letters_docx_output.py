"""DOCX output read back by python-docx (fonts, tables, styles) and, when present, LibreOffice."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document as open_docx
from docx.oxml.ns import qn

from letters import TemplateCatalog, load_data, render_letter, shipped_templates_dir

EXAMPLES = shipped_templates_dir() / "examples"


def _docx(name: str = "demand", locale: str = "zh_CN") -> bytes:
    info = TemplateCatalog([shipped_templates_dir()]).get(name, locale)
    return render_letter(info, load_data(EXAMPLES / f"{name}.{locale}.json"), ("docx",)).files["docx"]


def test_east_asian_font_is_simsun_in_defaults_and_styles() -> None:
    document = open_docx(io.BytesIO(_docx()))
    defaults = document.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}")
    assert defaults is not None and defaults.get(qn("w:eastAsia")) in ("宋体", "SimSun")
    assert defaults.get(qn("w:eastAsiaTheme")) is None
    body = document.styles["Letter Body"].element.rPr.rFonts
    assert body.get(qn("w:eastAsia")) in ("宋体", "SimSun")


def test_items_are_real_word_tables_with_repeating_header() -> None:
    document = open_docx(io.BytesIO(_docx()))
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells][:3] == ["单据编号", "开具日期", "到期日"]
    assert table.rows[1].cells[0].text == "FP-2026-0312"
    assert table.rows[0]._tr.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None
    assert table.style.name == "Table Grid"


def test_paragraphs_use_named_styles() -> None:
    document = open_docx(io.BytesIO(_docx("collection_notice")))
    names = {p.style.name for p in document.paragraphs if p.text.strip()}
    assert {"Letter Title", "Letterhead Name", "Letter Body", "Signature", "Cut Line"} <= names
    assert "Normal" not in names
    text = "\n".join(p.text for p in document.paragraphs)
    assert "我单位确认截至________尚欠贵司人民币____________元" in text


def test_footer_has_page_x_of_y_fields() -> None:
    document = open_docx(io.BytesIO(_docx()))
    xml = document.sections[0].footer._element.xml
    assert "PAGE" in xml and "NUMPAGES" in xml and "第 " in xml


def test_libreoffice_opens_the_docx_without_repair(tmp_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed; cannot check that it opens the DOCX")
    source = tmp_path / "demand.docx"
    source.write_bytes(_docx())
    result = subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "demand.pdf").stat().st_size > 1000
