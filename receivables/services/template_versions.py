"""Letter templates edited in the browser: check a text, preview it as a PDF, save it as a user template, and
keep every version (the text in force before the first save included) so that any can be restored."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from letters import LOCALES, LetterError, TemplateCatalog, TemplateInfo, check_template, load_data, render_letter
from letters.rendering import example_data_path
from receivables.services.errors import Refused, UnknownRecord
from receivables.services.letters import catalog_for
from receivables.storage import audit
from receivables.storage.schema.admin import TemplateVersion

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
MAX_TEMPLATE_CHARACTERS = 200_000


class TemplateRefused(Refused):
    """The template text cannot be saved (or previewed) as given; nothing was written. `problems` lists each
    mistake as the letters package reports it, naming the file and line."""

    def __init__(self, message: str, problems: tuple[str, ...] = ()) -> None:
        super().__init__(message if not problems else f"{message}: {problems[0]}")
        self.problems = problems or (message,)


@dataclass(frozen=True, slots=True)
class TemplateEntry:
    name: str
    locale: str
    kind: str
    title: str
    origin: str  # "user" (a file in the user templates folder) or "shipped"
    versions: int


@dataclass(frozen=True, slots=True)
class VersionView:
    version: int
    sha256: str
    origin: str
    restored_from: int | None
    saved_by: str
    saved_at: datetime


def template_origin(info: TemplateInfo, user_dir: Path) -> str:
    """`user` when the template in force is a file in the user templates folder, else `shipped`."""
    return "user" if info.path.resolve().is_relative_to(user_dir.resolve()) else "shipped"


def template_entries(session: Session, user_dir: Path) -> list[TemplateEntry]:
    """Every template (user templates overriding shipped ones) with how many versions were saved."""
    counts = {(name, locale): count for name, locale, count in session.execute(
        select(TemplateVersion.name, TemplateVersion.locale, func.count())
        .group_by(TemplateVersion.name, TemplateVersion.locale))}
    return [TemplateEntry(i.name, i.locale, i.kind, i.title, template_origin(i, user_dir),
                          counts.get((i.name, i.locale), 0)) for i in catalog_for(user_dir).list()]


def _checked_key(name: str, locale: str) -> tuple[str, str]:
    """Only names and locales that cannot leave the templates folder: `demand`, `zh_CN`."""
    if not _NAME.match(name):
        raise UnknownRecord(f"no template named {name!r} (lower-case letters, digits and _)")
    if locale not in LOCALES:
        raise UnknownRecord(f"no template locale {locale!r} (known: {', '.join(LOCALES)})")
    return name, locale


def current_template(user_dir: Path, name: str, locale: str) -> tuple[TemplateInfo, str]:
    """The template in force and its text; UnknownRecord when there is none by that name and locale."""
    _checked_key(name, locale)
    try:
        info = catalog_for(user_dir).get(name, locale)
    except LetterError as exc:
        raise UnknownRecord(str(exc)) from None
    return info, info.path.read_text(encoding="utf-8-sig")


def _user_file(user_dir: Path, name: str, locale: str) -> Path:
    folder = user_dir.resolve()
    target = (folder / locale / f"{name}.md").resolve()
    if not target.is_relative_to(folder):
        raise UnknownRecord(f"template {locale}/{name} is outside the templates folder")
    return target


@contextmanager
def _staged(user_dir: Path, name: str, locale: str, text: str) -> Iterator[TemplateInfo]:
    """The text as a template in a scratch folder searched before the user's and the shipped ones, so that it
    is checked and rendered exactly as it would be once saved (same partials, same example data)."""
    if len(text) > MAX_TEMPLATE_CHARACTERS:
        raise TemplateRefused(f"the template is longer than {MAX_TEMPLATE_CHARACTERS:,} characters")
    with tempfile.TemporaryDirectory(prefix="receivables-template-") as scratch:
        # Named `templates` so that messages read `templates/zh_CN/demand.md line 12`.
        root = Path(scratch) / "templates"
        (root / locale).mkdir(parents=True)
        (root / locale / f"{name}.md").write_text(text, encoding="utf-8")
        try:
            yield TemplateCatalog([root, user_dir, *catalog_for(user_dir).folders[1:]]).get(name, locale)
        except LetterError as exc:
            raise TemplateRefused("the template has a mistake", (str(exc),)) from None


def check_text(user_dir: Path, name: str, locale: str, text: str) -> list[str]:
    """The mistakes in `text` as template `name` (each naming file and line); [] when it can be saved."""
    current_template(user_dir, name, locale)
    try:
        with _staged(user_dir, name, locale, text) as info:
            return check_template(info)
    except TemplateRefused as exc:
        return list(exc.problems)


def preview_pdf(user_dir: Path, name: str, locale: str, text: str) -> bytes:
    """The PDF that `text` makes with the template's example data (templates/examples/NAME.LOCALE.json)."""
    current_template(user_dir, name, locale)
    with _staged(user_dir, name, locale, text) as info:
        example = example_data_path(info)
        if example is None:
            raise TemplateRefused(f"template {locale}/{name} has no example data (examples/{name}.{locale}.json)")
        try:
            return render_letter(info, load_data(example), ("pdf",)).files["pdf"]
        except LetterError as exc:
            raise TemplateRefused("the template has a mistake", (str(exc),)) from None


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _versions(session: Session, name: str, locale: str) -> list[TemplateVersion]:
    return list(session.execute(select(TemplateVersion).where(
        TemplateVersion.name == name, TemplateVersion.locale == locale).order_by(TemplateVersion.version)).scalars())


def template_versions(session: Session, name: str, locale: str) -> list[VersionView]:
    """Every saved version of a template, newest first."""
    _checked_key(name, locale)
    return [VersionView(v.version, v.sha256, v.origin, v.restored_from, v.saved_by, v.saved_at)
            for v in reversed(_versions(session, name, locale))]


def version_text(session: Session, name: str, locale: str, version: int) -> str:
    _checked_key(name, locale)
    found = session.execute(select(TemplateVersion.source).where(
        TemplateVersion.name == name, TemplateVersion.locale == locale, TemplateVersion.version == version)
    ).scalar_one_or_none()
    if found is None:
        raise UnknownRecord(f"template {locale}/{name} has no version {version}")
    return found


def save_template(session: Session, user_dir: Path, name: str, locale: str, text: str, *, actor: str,
                  restored_from: int | None = None) -> int:
    """Check `text` and save it as the user template `name` in `locale`; returns its version number.

    A text with any mistake is refused with every problem, nothing written. The first save also records
    the text in force before it (shipped or a user's file) as version 1, so it can be restored.
    """
    info, before = current_template(user_dir, name, locale)
    text = text.replace("\r\n", "\n")
    problems = check_text(user_dir, name, locale, text)
    if problems:
        raise TemplateRefused(f"template {locale}/{name} was not saved", tuple(problems))
    versions = _versions(session, name, locale)
    rows: list[dict[str, Any]] = []
    if not versions:
        rows.append({"version": 1, "source": before, "origin": "file" if template_origin(info, user_dir) == "user"
                     else "shipped", "restored_from": None})
    elif versions[-1].source == text and restored_from is None:
        raise TemplateRefused(f"template {locale}/{name} is unchanged (version {versions[-1].version})")
    number = (versions[-1].version if versions else len(rows)) + 1
    rows.append({"version": number, "source": text, "origin": "restored" if restored_from else "saved",
                 "restored_from": restored_from})
    try:
        session.execute(insert(TemplateVersion), [
            {**row, "name": name, "locale": locale, "sha256": _sha256(row["source"]), "saved_by": actor}
            for row in rows])
    except IntegrityError:
        raise TemplateRefused(f"template {locale}/{name} was saved by someone else meanwhile; reload and "
                              "try again") from None
    audit.record(session, actor, "template.restore" if restored_from else "template.save", "letter_template",
                 f"{locale}/{name}", before={"sha256": _sha256(before)},
                 after={"version": number, "sha256": _sha256(text)},
                 detail={"restored_from": restored_from} if restored_from else None)
    _write_atomically(_user_file(user_dir, name, locale), text)
    return number


def restore_version(session: Session, user_dir: Path, name: str, locale: str, version: int, *, actor: str) -> int:
    """Make an earlier version the template in force again, as a new version (nothing is overwritten)."""
    return save_template(session, user_dir, name, locale, version_text(session, name, locale, version),
                         actor=actor, restored_from=version)


def _write_atomically(target: Path, text: str) -> None:
    """The file is either the old text or the new one, never half written (rename within one folder)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, scratch = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(scratch, target)
    except OSError as exc:
        Path(scratch).unlink(missing_ok=True)
        raise TemplateRefused(f"template {target.parent.name}/{target.name} could not be written: {exc.strerror}") \
            from None
