"""The `letters` commands that need no database (templates, check, preview) and `calc capital`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import typer

from receivables.cli.output import OutputFormat, console, error_console, fail, print_json, print_table

DEFAULT_HOME = "./receivables-data"

letters_app = typer.Typer(
    help="Letter templates: list, check and preview them (PDF and DOCX). 函件模板：列出、检查、预览。",
    no_args_is_help=True)


def template_folders(ctx: typer.Context | None = None) -> list[Path]:
    """Where templates are looked up: the user's ``<home>/templates`` first, then the shipped ones."""
    from letters import shipped_templates_dir

    settings = getattr(ctx.find_root().obj, "settings", None) if ctx is not None else None
    user = getattr(settings, "user_templates_dir", None)
    if user is None:
        user = Path(os.environ.get("RECEIVABLES_HOME") or DEFAULT_HOME).expanduser() / "templates"
    return [Path(user), shipped_templates_dir()]


@letters_app.command("templates")
def templates(ctx: typer.Context,
              output: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table or json")) -> None:
    """List the templates with their kind, locale, fields and source (user or shipped)."""
    from letters import TemplateCatalog, shipped_templates_dir

    catalog = TemplateCatalog(template_folders(ctx))
    shipped = shipped_templates_dir().resolve()
    rows = [{"name": i.name, "locale": i.locale, "kind": i.kind, "title": i.title,
             "fields": list(i.required_fields), "numbering_prefix": i.numbering_prefix, "paper": i.paper,
             "source": "shipped" if shipped in i.path.resolve().parents else "user", "path": str(i.path),
             "sha256": i.source_sha256} for i in catalog.list()]
    for problem in catalog.problems():
        error_console().print(f"warning: {problem}", markup=False, highlight=False)
    if output == OutputFormat.json:
        print_json(rows)
        return
    print_table("Letter templates", ["name", "locale", "kind", "title", "source", "fields"],
                [[r["name"], r["locale"], r["kind"], r["title"], r["source"], ", ".join(r["fields"])]
                 for r in rows])


@letters_app.command("check")
def check(ctx: typer.Context, template: str = typer.Argument(..., help="Template name, e.g. demand."),
          locale: str | None = typer.Option(None, "--locale", help="zh_CN or en; default: every locale.")) -> None:
    """Validate a template: front matter, syntax, declared fields, blocks, and its example data."""
    from letters import TemplateCatalog, check_template

    catalog = TemplateCatalog(template_folders(ctx))
    locales = [locale] if locale else [i.locale for i in catalog.list() if i.name == template]
    if not locales:
        fail(f"no template {template!r}; run `receivables letters templates` to list them")
    problems: list[str] = []
    for each in locales:
        problems.extend(check_template(catalog.get(template, each)))
    if problems:
        for problem in problems:
            error_console().print(problem, markup=False, highlight=False)
        fail(f"{len(problems)} problem(s) in template {template!r}")
    console().print(f"{template} ({', '.join(locales)}): ok")


@letters_app.command("preview")
def preview(ctx: typer.Context, template: str = typer.Argument(..., help="Template name, e.g. demand."),
            data: Path = typer.Option(..., "--data", help="Letter data as a JSON file.", exists=False),
            locale: str = typer.Option("zh_CN", "--locale", help="zh_CN or en."),
            formats: str = typer.Option("pdf,docx", "--format", help="pdf, docx or pdf,docx."),
            out: Path = typer.Option(..., "--out", help="Folder to write the files to.")) -> None:
    """Render a template from a JSON data file, without the database (for template authors)."""
    from letters import FORMATS, TemplateCatalog, load_data, render_letter

    chosen = [f.strip() for f in formats.split(",") if f.strip()]
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        fail(f"unknown format {', '.join(unknown) or '(none)'}; choose from {', '.join(FORMATS)}")
    if not data.is_file():
        fail(f"data file {data} was not found")
    info = TemplateCatalog(template_folders(ctx)).get(template, locale)
    letter = render_letter(info, _with_logo_beside(load_data(data), data.parent), chosen)
    out.mkdir(parents=True, exist_ok=True)
    for warning in letter.warnings:
        error_console().print(f"warning: {warning}", markup=False, highlight=False)
    for kind, content in letter.files.items():
        target = out / f"{template}.{locale}.{kind}"
        target.write_bytes(content)
        console().print(f"{target}  sha256 {letter.sha256[kind]}", markup=False, highlight=False)


def _with_logo_beside(data: dict[str, Any], folder: Path) -> dict[str, Any]:
    """A relative logo path in a data file is read relative to that file's folder."""
    letterhead = data.get("letterhead")
    if isinstance(letterhead, dict) and isinstance(letterhead.get("logo"), str) and letterhead["logo"]:
        logo = Path(letterhead["logo"])
        if not logo.is_absolute():
            data = {**data, "letterhead": {**letterhead, "logo": str(folder / logo)}}
    return data


def calc_capital(amount: str = typer.Argument(..., help="An amount such as 100000 or 1,409.50."),
                 prefix: bool = typer.Option(True, "--prefix/--no-prefix", help="Start with 人民币.")) -> None:
    """Print an amount in Chinese capitals (大写金额), e.g. 100000 -> 人民币壹拾万元整."""
    from letters import parse_rmb_upper, rmb_upper

    try:
        text = rmb_upper(amount.replace(",", "").replace("，", "").strip(), prefix=prefix)
    except ValueError as exc:
        fail(str(exc))
    parse_rmb_upper(text)
    console().print(text, markup=False, highlight=False)


__all__ = ["calc_capital", "letters_app", "template_folders"]
