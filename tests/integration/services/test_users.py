"""Users and API tokens: argon2 hashes only, roles checked, sessions ended by a new password or disabling,
sign-in failures recorded per name and address and slowing the next attempt; tokens kept as hashes."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from receivables.services.errors import UnknownRecord
from receivables.services.tokens import create_token, token_identity
from receivables.services.users import (
    ROLES, SignInThrottled, UserRefused, add_demo_users, add_user, disable_user, session_identity, set_locale,
    set_password, sign_in, wait_before_next_attempt,
)
from receivables.storage.database import unit_of_work
from receivables.storage.schema import ApiToken, AuditEntry, SignInFailure, User

PASSWORD = "a long enough secret"
NOW = datetime(2026, 6, 30, 9, 0, 0)


def _add(sessions: sessionmaker[Session], name: str = "li.na", role: str = "finance") -> int:
    with unit_of_work(sessions) as session:
        identity = add_user(session, name, role, PASSWORD, actor="admin")
    assert identity.user_id is not None
    return identity.user_id


def test_a_user_is_stored_with_an_argon2_hash_and_audited(sessions: sessionmaker[Session]) -> None:
    _add(sessions)
    with sessions() as session:
        user = session.execute(select(User)).scalar_one()
        assert user.password_hash.startswith("$argon2") and PASSWORD not in user.password_hash
        assert (user.role, user.active, user.locale) == ("finance", True, "zh")
        actions = session.execute(select(AuditEntry.action, AuditEntry.entity_key)).all()
        assert ("user.add", "li.na") in actions
        assert PASSWORD not in str(session.execute(select(AuditEntry.after, AuditEntry.detail)).all())


@pytest.mark.parametrize(("name", "role", "password", "message"), [
    ("bob", "boss", PASSWORD, "unknown role"),
    ("bob", "viewer", "short", "too short"),
    ("bob", "viewer", "changeme", "too short"),
    ("bo b", "viewer", PASSWORD, "without spaces"),
    ("", "viewer", PASSWORD, "without spaces"),
])
def test_bad_users_are_refused_and_nothing_written(sessions: sessionmaker[Session], name: str, role: str,
                                                   password: str, message: str) -> None:
    with pytest.raises(UserRefused, match=message), unit_of_work(sessions) as session:
        add_user(session, name, role, password, actor="admin")
    with sessions() as session:
        assert session.execute(select(func.count()).select_from(User)).scalar_one() == 0


def test_a_name_is_taken_once(sessions: sessionmaker[Session]) -> None:
    _add(sessions)
    with pytest.raises(UserRefused, match="already exists"), unit_of_work(sessions) as session:
        add_user(session, "li.na", "viewer", PASSWORD, actor="admin")


def test_sign_in_checks_the_password_and_records_failures(sessions: sessionmaker[Session]) -> None:
    _add(sessions)
    with unit_of_work(sessions) as session:
        assert sign_in(session, "li.na", "wrong password!", "10.0.0.1", now=NOW) is None
        assert sign_in(session, "nobody", PASSWORD, "10.0.0.1", now=NOW) is None
    with unit_of_work(sessions) as session:
        identity = sign_in(session, "li.na", PASSWORD, "10.0.0.1", now=NOW + timedelta(seconds=1))
        assert identity is not None and identity.role == "finance" and identity.may("post_ledger")
    with sessions() as session:
        left = session.execute(select(SignInFailure.user_name)).scalars().all()
        assert left == ["nobody"]  # the success cleared li.na's failures from that address


def test_repeated_failures_make_the_next_attempt_wait_per_name_and_address(sessions: sessionmaker[Session]) -> None:
    _add(sessions)
    for second in range(3):
        with unit_of_work(sessions) as session:
            assert sign_in(session, "li.na", "wrong password!", "10.0.0.1", now=NOW + timedelta(seconds=second)) is None
    with pytest.raises(SignInThrottled) as waiting, unit_of_work(sessions) as session:
        sign_in(session, "li.na", PASSWORD, "10.0.0.1", now=NOW + timedelta(seconds=3))
    assert 0 < waiting.value.wait_seconds <= wait_before_next_attempt(3)
    with unit_of_work(sessions) as session:  # another address is not slowed by these failures
        assert sign_in(session, "li.na", PASSWORD, "10.0.0.2", now=NOW + timedelta(seconds=3)) is not None
    later = NOW + timedelta(seconds=2 + wait_before_next_attempt(3) + 1)
    with unit_of_work(sessions) as session:
        assert sign_in(session, "li.na", PASSWORD, "10.0.0.1", now=later) is not None


def test_waits_grow_and_are_capped() -> None:
    waits = [wait_before_next_attempt(n) for n in range(12)]
    assert waits[:3] == [0, 0, 0] and waits[3] > 0
    assert all(a <= b for a, b in zip(waits, waits[1:])) and waits[-1] == 300


def test_a_new_password_or_disabling_ends_sessions_and_sign_in(sessions: sessionmaker[Session]) -> None:
    user_id = _add(sessions)
    with sessions() as session:
        version = session_identity(session, user_id, 1)
        assert version is not None
    with unit_of_work(sessions) as session:
        set_password(session, "li.na", "a different secret", actor="admin")
    with unit_of_work(sessions) as session:
        assert session_identity(session, user_id, 1) is None
        assert session_identity(session, user_id, 2) is not None
        assert sign_in(session, "li.na", PASSWORD, "h", now=NOW) is None
        assert sign_in(session, "li.na", "a different secret", "h", now=NOW) is not None
    with unit_of_work(sessions) as session:
        disable_user(session, "li.na", actor="admin")
    with unit_of_work(sessions) as session:
        assert session_identity(session, user_id, 3) is None
        assert sign_in(session, "li.na", "a different secret", "h2", now=NOW) is None
    with pytest.raises(UnknownRecord), unit_of_work(sessions) as session:
        disable_user(session, "nobody", actor="admin")


def test_the_interface_language_is_kept_per_user(sessions: sessionmaker[Session]) -> None:
    user_id = _add(sessions)
    with unit_of_work(sessions) as session:
        set_locale(session, user_id, "en")
    with sessions() as session:
        assert session.get(User, user_id).locale == "en"
    with pytest.raises(UserRefused), unit_of_work(sessions) as session:
        set_locale(session, user_id, "fr")


def test_demo_users_cover_every_role_with_distinct_random_passwords(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as session:
        created = add_demo_users(session, actor="demo")
    assert [role for _, role, _ in created] == list(ROLES)
    assert len({password for _, _, password in created}) == len(ROLES)
    with unit_of_work(sessions) as session:
        for name, _, password in created:
            assert sign_in(session, name, password, "h", now=NOW) is not None


def test_tokens_are_kept_as_hashes_and_carry_their_role(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as session:
        token = create_token(session, "erp", "finance", actor="admin")
    with sessions() as session:
        stored = session.execute(select(ApiToken)).scalar_one()
        assert token not in stored.token_sha256 and len(stored.token_sha256) == 64
        identity = token_identity(session, token)
        assert identity is not None and identity.role == "finance" and identity.name == "token:erp"
        assert token_identity(session, token + "x") is None
        assert token_identity(session, "not-a-token") is None
    with pytest.raises(UserRefused, match="already exists"), unit_of_work(sessions) as session:
        create_token(session, "erp", "viewer", actor="admin")
    with pytest.raises(UserRefused, match="unknown role"), unit_of_work(sessions) as session:
        create_token(session, "crm", "root", actor="admin")
