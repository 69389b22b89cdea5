"""The template catalog: finds templates by name and locale in an ordered list of folders (a user
folder before the shipped one), reads their front matter and fingerprints their source."""

from __future__ import annotations

import builtins
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from letters.errors import LetterError, TemplateError
from letters.filters import LOCALES, check_locale
from letters.frontmatter import split_front_matter
from letters.sandbox import letter_environment, referenced_names

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class TemplateInfo:
    """One template as found: its declared header, where it lives, and the SHA-256 of its source.

    ``source_sha256`` covers the template file and, after it, every partial it includes (each as its
    name, a NUL, its bytes); for a template without includes it equals ``sha256sum`` of the file.
    ``search_path`` is where its partials are looked up: its own folder first, then the others.
    """

    name: str
    locale: str
    kind: str
    title: str
    required_fields: tuple[str, ...]
    numbering_prefix: str
    paper: str
    path: Path
    source_sha256: str
    search_path: tuple[Path, ...] = ()


def shipped_templates_dir() -> Path:
    """The templates that ship with the product: the repository's top-level ``templates/`` folder."""
    return Path(__file__).resolve().parent.parent / "templates"


class TemplateCatalog:
    """Templates in ``folders``, earlier folders overriding later ones for the same name and locale."""

    def __init__(self, folders: Sequence[Path]) -> None:
        self.folders = tuple(Path(f).resolve() for f in folders)

    def get(self, name: str, locale: str) -> TemplateInfo:
        """The template ``name`` in ``locale``; LetterError when there is none, TemplateError when broken."""
        check_locale(locale)
        if not _NAME.match(name):
            raise LetterError(f"template name {name!r} is not valid: use lower-case letters, digits and _")
        for folder in self.folders:
            path = folder / locale / f"{name}.md"
            if path.is_file():
                return read_template(path, self._search_path(folder))
        known = sorted({i.name for i in self.list() if i.locale == locale})
        raise LetterError(f"no template {name!r} for locale {locale!r}; "
                          f"available: {', '.join(known) if known else 'none'}")

    def list(self) -> list[TemplateInfo]:
        """Every usable template, one per name and locale, sorted by name then locale."""
        return [info for info in self._scan() if isinstance(info, TemplateInfo)]

    def problems(self) -> builtins.list[str]:
        """Templates that could not be read, each as one line naming the file, line and problem."""
        return [str(item) for item in self._scan() if isinstance(item, TemplateError)]

    def _scan(self) -> builtins.list[TemplateInfo | TemplateError]:
        found: dict[tuple[str, str], TemplateInfo | TemplateError] = {}
        for folder in self.folders:
            for locale in LOCALES:
                for path in sorted((folder / locale).glob("*.md")):
                    key = (path.stem, locale)
                    if key in found or not _NAME.match(path.stem):
                        continue
                    try:
                        found[key] = read_template(path, self._search_path(folder))
                    except TemplateError as exc:
                        found[key] = exc
        return [found[k] for k in sorted(found)]

    def _search_path(self, own: Path) -> tuple[Path, ...]:
        return (own,) + tuple(f for f in self.folders if f != own)


def read_template(path: Path, search_path: tuple[Path, ...]) -> TemplateInfo:
    """The TemplateInfo of one template file; TemplateError when its header is wrong."""
    source = _read_text(path)
    shown = display_path(path)
    front, _ = split_front_matter(source, shown)
    if front.locale != path.parent.name:
        raise TemplateError(shown, None, f"front matter says locale {front.locale!r} "
                                         f"but the file is in the {path.parent.name!r} folder")
    return TemplateInfo(
        name=path.stem, locale=front.locale, kind=front.kind, title=front.title,
        required_fields=front.required_fields, numbering_prefix=front.numbering_prefix,
        paper=front.paper, path=path, source_sha256=source_fingerprint(path, search_path),
        search_path=search_path)


def template_body(path: Path) -> str:
    """The template's body with its front matter replaced by blank lines (so line numbers hold)."""
    return _body(path, path.stat().st_mtime_ns if path.is_file() else 0)


@lru_cache(maxsize=256)
def _body(path: Path, mtime_ns: int) -> str:
    return split_front_matter(_read_text(path), display_path(path))[1]


def display_path(path: Path | str) -> str:
    """A template path as messages show it: the templates folder's name and the path inside it."""
    full = Path(path)
    parts = full.parts
    for anchor in ("_partials", *LOCALES):
        if anchor in parts[:-1]:
            index = len(parts) - 1 - parts[::-1].index(anchor)
            return "/".join(parts[index - 1:]) if index >= 1 else str(full)
    return str(full)


def source_fingerprint(path: Path, search_path: tuple[Path, ...]) -> str:
    """SHA-256 of the template file followed by the partials it includes, recursively."""
    digest = hashlib.sha256(path.read_bytes())
    for name, partial in included_partials(path, search_path):
        digest.update(b"\0" + name.encode() + b"\0" + partial.read_bytes())
    return digest.hexdigest()


def included_partials(path: Path, search_path: tuple[Path, ...]) -> list[tuple[str, Path]]:
    """The partials a template includes, by name, resolved in the search path, sorted by name."""
    env = letter_environment(search_path, template_body)
    seen: dict[str, Path] = {}
    pending: list[tuple[str, str]] = [(template_body(path), str(path))]
    while pending:
        source, filename = pending.pop()
        try:
            _, includes = referenced_names(env, source, filename)
        except Exception:  # noqa: BLE001 - syntax errors are reported by check_template and rendering
            continue
        for name in includes:
            if name is None or name in seen:
                continue
            partial = next((f / name for f in search_path if (f / name).is_file()), None)
            if partial is not None:
                seen[name] = partial
                pending.append((_read_text(partial), str(partial)))
    return sorted(seen.items())


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TemplateError(display_path(path), None, f"not UTF-8 text: {exc.reason}") from None
    except OSError as exc:
        raise LetterError(f"cannot read template {path}: {exc.strerror}") from None
