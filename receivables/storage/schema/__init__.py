"""Typed SQLAlchemy rows, by business area; importing this package registers every table."""

from receivables.storage.schema.access import ApiToken, IdempotentRequest, SignInFailure, User
from receivables.storage.schema.audit import AuditEntry
from receivables.storage.schema.base import Base
from receivables.storage.schema.letters import Letter, LetterCounter, LetterFile
from receivables.storage.schema.ledger import Allocation, Contract, Payment, Receivable, ReceivableKind
from receivables.storage.schema.orgmap import ContactHygiene, Dispute, DisputeItem, Interaction, Promise
from receivables.storage.schema.parties import Company, Contact, Debtor
from receivables.storage.schema.rates import RateFixing
# Each area registers its tables on import; import its rows from the area module itself.
from receivables.storage.schema import admin, cases, debtor_links, dunning, legal, projects, reconciliation  # noqa: F401

__all__ = [
    "AuditEntry", "Allocation", "Letter", "LetterCounter", "LetterFile", "Base", "Company", "Contact", "Contract", "Debtor", "Payment",
    "Receivable", "ReceivableKind", "ContactHygiene", "Dispute", "DisputeItem", "Interaction", "Promise",
    "RateFixing",
    "ApiToken", "IdempotentRequest", "SignInFailure", "User",
]
