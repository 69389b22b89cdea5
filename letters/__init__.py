"""Letters: one template, two formats. Templates (Jinja2 sandbox -> Markdown) become PDF and DOCX.

The public API, used by the database-backed service and the command line::

    catalog = TemplateCatalog([user_templates, shipped_templates_dir()])
    info = catalog.get("demand", "zh_CN")          # LetterError when unknown
    problems = check_template(info)                 # [] when fine
    letter = render_letter(info, data, ("pdf", "docx"))
    letter.files["pdf"], letter.sha256["pdf"], letter.warnings

``data`` holds plain JSON-like values (str, int, Decimal, date or ISO date strings, lists, dicts);
the field contract is in ``templates/README.md``. Errors: ``TemplateError`` (a subclass of
``LetterError``) names template file and line; ``LetterError`` covers bad data, a logo that is not an
image, an unknown template, locale or format. The package imports nothing from ``receivables``.
"""

from __future__ import annotations

from letters.catalog import TemplateCatalog, TemplateInfo, shipped_templates_dir
from letters.errors import LetterError, TemplateError
from letters.filters import LOCALES
from letters.numerals import parse_rmb_upper, rmb_upper
from letters.rendering import FORMATS, RenderedLetter, check_template, load_data, render_letter

__all__ = [
    "FORMATS",
    "LOCALES",
    "LetterError",
    "RenderedLetter",
    "TemplateCatalog",
    "TemplateError",
    "TemplateInfo",
    "check_template",
    "load_data",
    "parse_rmb_upper",
    "render_letter",
    "rmb_upper",
    "shipped_templates_dir",
]
