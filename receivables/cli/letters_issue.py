"""`receivables letters issue`: letters built from the ledger, numbered and stored."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from receivables.cli.app import state
from receivables.cli.options import AS_OF, as_of_date
from receivables.cli.output import OutputFormat, console, error_console, fail, print_json
from receivables.storage.blobs import BlobStore
from receivables.storage.database import unit_of_work

_UNSAFE = re.compile(r"[^\w\-〔〕()（）]+")


def safe_file_name(text: str) -> str:
    """A file name that cannot leave its folder, keeping Chinese characters readable."""
    cleaned = _UNSAFE.sub("_", text).strip("._") or "letter"
    return cleaned[:120]


def register(letters_app: typer.Typer) -> None:
    letters_app.command("issue")(issue)


def issue(
    ctx: typer.Context,
    template: str = typer.Argument(..., help="Template name, e.g. demand, reminder, collection_notice."),
    debtor: list[str] = typer.Option(..., "--debtor", help="Debtor code; repeat for a batch."),
    as_of: Optional[str] = AS_OF,
    locale: str = typer.Option("zh_CN", "--locale", help="zh_CN or en."),
    formats: str = typer.Option("pdf,docx", "--format", help="pdf, docx or pdf,docx."),
    out: Optional[Path] = typer.Option(None, "--out", help="Also copy the files into this folder."),
    company: Optional[str] = typer.Option(None, "--company", help="Creditor company (default: the default one)."),
    currency: Optional[str] = typer.Option(None, "--currency", help="Needed when the debtor owes in several."),
    deadline_days: int = typer.Option(15, "--deadline-days", min=1, max=180,
                                      help="Payment deadline, days after the letter date."),
    data: Optional[Path] = typer.Option(None, "--data", help="JSON with extra fields (e.g. law_firm, plan)."),
    workers: Optional[int] = typer.Option(None, "--workers", min=1, help="Render processes (default: all cores)."),
    output_format: OutputFormat = typer.Option(OutputFormat.table, "--output", help="table or json."),
) -> None:
    """Issue letters from the ledger: numbered without gaps, stored by SHA-256, never changed. 出具函件。"""
    from letters import load_data
    from receivables.services.letters import catalog_for, issue_letters

    day = as_of_date(as_of)
    wanted = tuple(f.strip() for f in formats.split(",") if f.strip())
    if not wanted:
        fail("--format needs pdf, docx or both")
    extra = load_data(data) if data is not None else None
    cli = state(ctx)
    runtime = cli.open()
    blobs = BlobStore(cli.settings.blob_dir)
    user_templates = cli.settings.user_templates_dir
    show = output_format is OutputFormat.table and sys.stderr.isatty() and len(debtor) > 1
    with Progress(*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=error_console(), disable=not show, transient=True) as bar:
        task = bar.add_task("rendering letters", total=len(debtor))
        with unit_of_work(runtime.sessions) as session:
            issued = issue_letters(
                session, template=template, debtor_codes=debtor, as_of=day, locale=locale, formats=wanted,
                actor=cli.actor, catalog=catalog_for(user_templates), blobs=blobs, user_templates=user_templates,
                company=company, currency=currency, deadline_days=deadline_days, extra=extra, workers=workers,
                progress=lambda done, total: bar.update(task, completed=done, total=total))
    copies: dict[str, dict[str, str]] = {}
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        for letter in issued:
            for fmt, path in letter.paths.items():
                target = out / f"{safe_file_name(letter.number)}_{safe_file_name(letter.debtor)}.{fmt}"
                shutil.copyfile(path, target)
                copies.setdefault(letter.number, {})[fmt] = str(target)
    if output_format is OutputFormat.json:
        print_json([{"number": i.number, "debtor": i.debtor, "template": i.template, "locale": i.locale,
                     "sha256": dict(i.files), "files": copies.get(i.number, {k: str(v) for k, v in i.paths.items()}),
                     "warnings": list(i.warnings)} for i in issued])
        return
    for letter in issued:
        console().print(f"{letter.number}  {letter.debtor}  " + "  ".join(
            f"{fmt} sha256 {sha}" for fmt, sha in letter.files.items()), markup=False, highlight=False)
        for warning in letter.warnings:
            error_console().print(f"warning: {warning}", markup=False, highlight=False)
