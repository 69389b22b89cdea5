"""The two ways letter production fails: a template mistake, or bad input."""

from __future__ import annotations


class LetterError(Exception):
    """Bad input to letter production: data, logo, font, unknown template or locale."""


class TemplateError(LetterError):
    """A mistake in a template, located by template path and line when the line is known.

    ``str(error)`` reads ``templates/zh_CN/demand.md line 12: 'debtor' is undefined``.
    """

    def __init__(self, template: str, line: int | None, message: str) -> None:
        self.template = template
        self.line = line
        self.message = message
        where = f"{template} line {line}" if line is not None else template
        super().__init__(f"{where}: {message}")

    def __reduce__(self) -> tuple[type[TemplateError], tuple[str, int | None, str]]:
        # Errors cross process boundaries when letters render in a pool; keep their fields.
        return (type(self), (self.template, self.line, self.message))
