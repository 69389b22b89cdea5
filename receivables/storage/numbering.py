"""Letter numbers: the next number per company, year and prefix, without gaps or duplicates."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from receivables.storage.schema import LetterCounter


def next_sequence(session: Session, company_id: int, year: int, prefix: str) -> int:
    """Take the next number in the caller's transaction.

    The counter row is created or incremented by one upsert; its row lock (PostgreSQL) or the write
    lock (SQLite) holds concurrent issuers back until this transaction ends. If the transaction rolls
    back, so does the counter: no gap is left by a letter that was never stored.
    """
    builder = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    upsert = builder(LetterCounter).values(company_id=company_id, year=year, prefix=prefix, last_value=1)
    statement = upsert.on_conflict_do_update(
        index_elements=[LetterCounter.company_id, LetterCounter.year, LetterCounter.prefix],
        set_={"last_value": LetterCounter.last_value + 1},
    ).returning(LetterCounter.last_value)
    return int(session.execute(statement).scalar_one())
