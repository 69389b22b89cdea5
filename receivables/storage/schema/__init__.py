"""Typed SQLAlchemy rows, by business area, each area's tables registered when the area is first used.

`from receivables.storage.schema import Receivable` imports the ledger area and the areas its foreign keys
point at (each area module imports those at its end: an ORM flush orders every declared table by its foreign
keys, so they must resolve). A command pays for the tables it touches: declaring all fifty took a sixth of
`receivables aging`'s time. There are no ORM relationships, so nothing else ties the areas together.
Whatever needs every table — migrations, the demo loader, schema checks — asks `all_tables()`.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from receivables.storage.schema.base import Base

if TYPE_CHECKING:  # `X as X`: what the package exports, for the type checker
    from sqlalchemy import MetaData

    from receivables.storage.schema.access import (
        ApiToken as ApiToken,
        IdempotentRequest as IdempotentRequest,
        SignInFailure as SignInFailure,
        User as User,
    )
    from receivables.storage.schema.audit import AuditEntry as AuditEntry
    from receivables.storage.schema.ledger import (
        Allocation as Allocation,
        Contract as Contract,
        Payment as Payment,
        Receivable as Receivable,
        ReceivableKind as ReceivableKind,
    )
    from receivables.storage.schema.letters import (
        Letter as Letter,
        LetterCounter as LetterCounter,
        LetterFile as LetterFile,
    )
    from receivables.storage.schema.orgmap import (
        ContactHygiene as ContactHygiene,
        Dispute as Dispute,
        DisputeItem as DisputeItem,
        Interaction as Interaction,
        Promise as Promise,
    )
    from receivables.storage.schema.parties import Company as Company, Contact as Contact, Debtor as Debtor
    from receivables.storage.schema.rates import RateFixing as RateFixing

AREAS: tuple[str, ...] = (
    "access", "admin", "audit", "cases", "debtor_links", "dunning", "ledger", "legal", "letters", "orgmap",
    "parties", "projects", "rates", "reconciliation",
)

# The rows importable from the package itself; the other areas' rows are imported from their area module.
_AREA_OF: dict[str, str] = {
    **dict.fromkeys(("ApiToken", "IdempotentRequest", "SignInFailure", "User"), "access"),
    "AuditEntry": "audit",
    **dict.fromkeys(("Allocation", "Contract", "Payment", "Receivable", "ReceivableKind"), "ledger"),
    **dict.fromkeys(("Letter", "LetterCounter", "LetterFile"), "letters"),
    **dict.fromkeys(("ContactHygiene", "Dispute", "DisputeItem", "Interaction", "Promise"), "orgmap"),
    **dict.fromkeys(("Company", "Contact", "Debtor"), "parties"),
    "RateFixing": "rates",
}

__all__ = ["AREAS", "Base", "all_tables", *_AREA_OF]


def __getattr__(name: str) -> Any:
    area = _AREA_OF.get(name)
    if area is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{area}"), name)


def all_tables() -> MetaData:
    """The metadata with every area's tables registered."""
    for area in AREAS:
        import_module(f"{__name__}.{area}")
    return Base.metadata
