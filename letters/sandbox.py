"""The sandboxed Jinja2 environment: renders a template body to Markdown, and turns every failure
into a TemplateError that names the template file, the line and the problem."""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import Any

from jinja2 import (FileSystemLoader, StrictUndefined, TemplateNotFound, TemplateSyntaxError,
                    UndefinedError, meta, pass_context)
from jinja2.environment import Environment
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import missing

from letters.errors import LetterError, TemplateError
from letters.filters import (FilterInputError, amount_text, capital_text, date_text, money_text,
                             percent_text)

RESERVED_NAMES = ("locale",)
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]|<>#~])")


class Record(dict[str, Any]):
    """A mapping from the letter data that knows where it sits (``debtor``, ``items[3]``)."""

    def __init__(self, values: Mapping[str, Any], field_path: str) -> None:
        super().__init__(values)
        self.field_path = field_path


class FieldUndefined(StrictUndefined):
    """StrictUndefined whose message names the missing field by its full path in the data."""

    @property
    def _undefined_message(self) -> str:
        if self._undefined_hint:
            return self._undefined_hint
        if self._undefined_obj is missing:
            return f"{self._undefined_name!r} is undefined"
        if isinstance(self._undefined_obj, Record):
            return f"'{self._undefined_obj.field_path}.{self._undefined_name}' is undefined"
        return str(super()._undefined_message)


class LetterEnvironment(SandboxedEnvironment):
    """A sandbox in which data mappings expose their keys only, never dict methods."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, Record) and not attribute.startswith("_"):
            if attribute in obj:
                return obj[attribute]
            return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


class LetterLoader(FileSystemLoader):
    """Finds partials in the search path; a main template is read from its own path, header blanked."""

    def __init__(self, search_path: Sequence[Path], bodies: Callable[[Path], str]) -> None:
        super().__init__([str(p) for p in search_path])
        self._bodies = bodies

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        path = Path(template)
        if path.is_absolute():
            if not path.is_file():
                raise TemplateNotFound(template)
            mtime = path.stat().st_mtime
            return self._bodies(path), str(path), lambda: path.stat().st_mtime == mtime
        return super().get_source(environment, template)


def markdown_safe(value: Any) -> str:
    """What ``{{ value }}`` prints: data never turns into Markdown structure (tables, emphasis)."""
    if value is None:
        return ""
    text = str(value).replace("\r\n", " ").replace("\n", " ")
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text)


@lru_cache(maxsize=32)
def letter_environment(search_path: tuple[Path, ...], bodies: Callable[[Path], str]) -> LetterEnvironment:
    """One environment per search path, built once and reused for every letter."""
    env = LetterEnvironment(loader=LetterLoader(search_path, bodies), undefined=FieldUndefined,
                            autoescape=False, finalize=markdown_safe, trim_blocks=True,
                            lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(money=_money, amount=_amount, rmb_upper=_rmb_upper, date=_date,
                       percent=_percent)
    return env


def as_records(value: Any, field_path: str) -> Any:
    """Wrap the data so a missing field can be reported by its path (``items[3].due_date``)."""
    if isinstance(value, Mapping):
        return Record({str(k): as_records(v, f"{field_path}.{k}" if field_path else str(k))
                       for k, v in value.items()}, field_path)
    if isinstance(value, (list, tuple)):
        return [as_records(v, f"{field_path}[{i}]") for i, v in enumerate(value)]
    return value


def render_markdown(env: LetterEnvironment, path: Path, data: Mapping[str, Any], locale: str,
                    display: Callable[[str], str]) -> str:
    """The template at ``path`` rendered with ``data``; every failure becomes a TemplateError."""
    context = as_records(data, "")
    context["locale"] = locale
    try:
        return env.get_template(str(path)).render(context)
    except TemplateSyntaxError as exc:
        raise TemplateError(display(exc.filename or str(path)), exc.lineno, exc.message or "syntax error") from None
    except LetterError:
        raise
    except Exception as exc:  # noqa: BLE001 - every template failure must name its line
        filename, line = _template_frame(exc.__traceback__, str(path))
        raise TemplateError(display(filename), line, _problem(exc)) from None


def _problem(exc: Exception) -> str:
    if isinstance(exc, SecurityError):
        return f"refused: {exc}; templates may use the letter's data and filters only"
    if isinstance(exc, TemplateNotFound):
        return f"included template {exc.name!r} was not found"
    if isinstance(exc, (UndefinedError, FilterInputError)):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _template_frame(tb: TracebackType | None, fallback: str) -> tuple[str, int | None]:
    frames = [f for f in traceback.extract_tb(tb) if f.filename.endswith(".md")]
    if not frames:
        return fallback, None
    return frames[-1].filename, frames[-1].lineno


def referenced_names(env: LetterEnvironment, source: str, filename: str) -> tuple[set[str], list[str | None]]:
    """The data fields a template body reads and the partials it includes (None: a computed name)."""
    ast = env.parse(source, filename=filename)
    names = set(meta.find_undeclared_variables(ast)) - set(env.globals) - set(RESERVED_NAMES)
    return names, list(meta.find_referenced_templates(ast))


def first_use_line(source: str, name: str) -> int | None:
    """The first line where a template reads ``name`` inside ``{{ }}`` or ``{% %}``."""
    pattern = re.compile(rf"(?<![\w.]){re.escape(name)}\b")
    for number, line in enumerate(source.splitlines(), start=1):
        for tag in re.finditer(r"\{\{.*?\}\}|\{%.*?%\}", line):
            if pattern.search(tag.group(0)):
                return number
    return None


@pass_context
def _money(context: Context, value: Any, currency: str | None = None) -> str:
    return money_text(value, currency or str(context.get("currency") or "CNY"), str(context["locale"]))


def _amount(value: Any) -> str:
    return amount_text(value)


def _rmb_upper(value: Any, prefix: bool = True) -> str:
    return capital_text(value, prefix)


@pass_context
def _date(context: Context, value: Any) -> str:
    return date_text(value, str(context["locale"]))


def _percent(value: Any) -> str:
    return percent_text(value)
