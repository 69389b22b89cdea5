"""The refusals a use case can answer with: things the user can correct, reported as one line."""


class Refused(ValueError):
    """The action cannot be done as asked; nothing was written."""


class UnknownRecord(Refused, LookupError):
    """A code or number the user named does not exist."""
