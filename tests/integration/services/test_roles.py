"""Steps reserved to a role check the acting user in the application's user table, on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from receivables.services.users import RoleRequired, add_user, disable_user, require_role


def test_user_with_the_role_may_act(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        add_user(session, "li.fawu", "legal", "a-long-password", actor="admin")
        assert require_role(session, "li.fawu", ("legal",), doing="issuing a lawyer letter").role == "legal"


def test_admin_may_act_for_any_role(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        add_user(session, "boss", "admin", "a-long-password", actor="admin")
        assert require_role(session, "boss", ("legal",), doing="issuing a lawyer letter").name == "boss"


def test_other_role_is_refused_with_both_roles_named(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        add_user(session, "wang.caiwu", "finance", "a-long-password", actor="admin")
        with pytest.raises(RoleRequired, match="needs the role legal; 'wang.caiwu' has the role 'finance'"):
            require_role(session, "wang.caiwu", ("legal",), doing="issuing a lawyer letter")


def test_unregistered_or_disabled_actor_is_refused(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        add_user(session, "gone", "legal", "a-long-password", actor="admin")
        disable_user(session, "gone", actor="admin")
        for actor in ("gone", "nobody"):
            with pytest.raises(RoleRequired, match="is not an active user"):
                require_role(session, actor, ("legal",), doing="issuing a lawyer letter")
