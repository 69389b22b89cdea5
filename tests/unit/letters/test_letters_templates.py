"""Template catalog, sandbox and front matter: overrides, clear errors with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from letters import (LetterError, TemplateCatalog, TemplateError, check_template, render_letter,
                     shipped_templates_dir)
from letters.rendering import build_document

HEADER = "---\ntitle: 测试函\nkind: demand\nlocale: zh_CN\nfields: [debtor]\n---\n"


def _catalog(tmp_path: Path, body: str, header: str = HEADER, name: str = "demand") -> TemplateCatalog:
    folder = tmp_path / "templates" / "zh_CN"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.md").write_text(header + body, encoding="utf-8")
    return TemplateCatalog([tmp_path / "templates", shipped_templates_dir()])


def test_missing_field_names_the_field_and_the_line(tmp_path: Path) -> None:
    catalog = _catalog(tmp_path, "第一行\n\n尊敬的{{ debtor.name }}：\n\n欠款{{ debtor.amount }}\n")
    with pytest.raises(TemplateError) as caught:
        build_document(catalog.get("demand", "zh_CN"), {"debtor": {"name": "某公司"}})
    assert caught.value.line == 11
    assert str(caught.value) == "templates/zh_CN/demand.md line 11: 'debtor.amount' is undefined"


def test_missing_required_field_names_the_field_and_its_first_line(tmp_path: Path) -> None:
    catalog = _catalog(tmp_path, "\n\n致 {{ debtor }}\n")
    with pytest.raises(TemplateError, match=r"demand.md line 9: required field 'debtor' is missing"):
        build_document(catalog.get("demand", "zh_CN"), {})


@pytest.mark.parametrize("escape", ["{{ ''.__class__ }}", "{{ ''.__class__.__mro__[1].__subclasses__() }}",
                                    "{{ debtor.__init__.__globals__ }}"])
def test_sandbox_escape_is_refused_with_a_clear_message(tmp_path: Path, escape: str) -> None:
    catalog = _catalog(tmp_path, f"{{{{ debtor.name }}}}\n{escape}\n")
    with pytest.raises(TemplateError, match=r"line 8: refused: .*unsafe.*data and filters only"):
        build_document(catalog.get("demand", "zh_CN"), {"debtor": {"name": "x"}})


def test_syntax_error_names_the_line(tmp_path: Path) -> None:
    catalog = _catalog(tmp_path, "ok\n{% if debtor %}\nno end\n")
    problems = check_template(catalog.get("demand", "zh_CN"))
    assert problems and "templates/zh_CN/demand.md line" in problems[0]


def test_data_never_becomes_markdown_structure(tmp_path: Path) -> None:
    catalog = _catalog(tmp_path, "| a |\n| - |\n| {{ debtor }} |\n")
    document = build_document(catalog.get("demand", "zh_CN"), {"debtor": "x | *y* | # z"})
    table = document.blocks[0]
    assert getattr(table, "rows")[0][0][0].text == "x | *y* | # z"


@pytest.mark.parametrize("header, problem", [
    ("title: x\n", "starts with a '---'"),
    ("---\ntitle: x\n", "never closed"),
    ("---\ntitle: [x\n---\n", "not valid YAML"),
    ("---\ntitle: x\nkind: demand\nlocale: zh_CN\ncolour: red\n---\n", "line 5: unknown front matter key 'colour'"),
    ("---\nkind: demand\nlocale: zh_CN\n---\n", "needs 'title'"),
    ("---\ntitle: x\nkind: demand\nlocale: zh_CN\npaper: B5\n---\n", "line 5: paper 'B5' is not one of"),
    ("---\ntitle: x\nkind: demand\nlocale: en\n---\n", "says locale 'en'"),
    ("---\ntitle: x\nkind: demand\nlocale: zh_CN\nfields: debtor\n---\n", "'fields' must be a list"),
])
def test_front_matter_errors_are_clear(tmp_path: Path, header: str, problem: str) -> None:
    catalog = _catalog(tmp_path, "body\n", header=header)
    with pytest.raises(TemplateError, match=problem):
        catalog.get("demand", "zh_CN")
    assert any(problem.split(": ")[-1][:10] in p for p in catalog.problems())


def test_user_template_overrides_the_shipped_one_and_reports_its_hash(tmp_path: Path) -> None:
    catalog = _catalog(tmp_path, "{{ debtor }}\n")
    info = catalog.get("demand", "zh_CN")
    shipped = TemplateCatalog([shipped_templates_dir()]).get("demand", "zh_CN")
    assert info.path == (tmp_path / "templates" / "zh_CN" / "demand.md").resolve()
    assert info.source_sha256 != shipped.source_sha256
    assert len(info.source_sha256) == 64
    assert [i for i in catalog.list() if (i.name, i.locale) == ("demand", "zh_CN")] == [info]


def test_hash_covers_included_partials(tmp_path: Path) -> None:
    catalog = _catalog(tmp_path, '{% include "_partials/zh_CN/signature.md" %}\n')
    first = catalog.get("demand", "zh_CN").source_sha256
    partial = tmp_path / "templates" / "_partials" / "zh_CN" / "signature.md"
    partial.parent.mkdir(parents=True)
    partial.write_text("changed {{ debtor }}\n", encoding="utf-8")
    assert TemplateCatalog([tmp_path / "templates", shipped_templates_dir()]).get(
        "demand", "zh_CN").source_sha256 != first


def test_unknown_template_and_locale_are_clear_errors() -> None:
    catalog = TemplateCatalog([shipped_templates_dir()])
    with pytest.raises(LetterError, match="no template 'nosuch' for locale 'zh_CN'; available: .*demand"):
        catalog.get("nosuch", "zh_CN")
    with pytest.raises(LetterError, match="unknown locale 'fr'"):
        catalog.get("demand", "fr")


def test_check_reports_undeclared_and_unused_fields(tmp_path: Path) -> None:
    catalog = _catalog(tmp_path, "\n{{ creditor }}\n")
    problems = check_template(catalog.get("demand", "zh_CN"))
    assert any("line 8: uses field 'creditor'" in p for p in problems)
    assert any("declares field 'debtor' but never uses it" in p for p in problems)


def test_unknown_block_is_reported_with_its_line(tmp_path: Path) -> None:
    catalog = _catalog(tmp_path, "{{ debtor }}\n\n::: sidebar\nx\n:::\n")
    assert any("line 9: unknown block '::: sidebar'" in p for p in check_template(catalog.get("demand", "zh_CN")))
    with pytest.raises(TemplateError, match="line 9: unknown block"):
        render_letter(catalog.get("demand", "zh_CN"), {"debtor": "x"}, ("docx",))


def test_every_shipped_template_checks_clean() -> None:
    catalog = TemplateCatalog([shipped_templates_dir()])
    infos = catalog.list()
    assert {(i.name, i.locale) for i in infos} >= {(n, loc) for loc in ("zh_CN", "en") for n in (
        "reminder", "demand", "final_demand", "collection_notice", "lawyer_letter", "statement",
        "payment_plan", "retention_release")}
    assert catalog.problems() == []
    assert {i.name: check_template(i) for i in infos if check_template(i)} == {}
