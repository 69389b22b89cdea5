"""A form's change is committed before its answer leaves the server: the browser follows the redirect at once,
and the next page must show what was just saved."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from receivables.storage.schema import User
from tests.e2e.web.conftest import SignIn, csrf_of


def test_a_form_is_committed_before_its_answer_is_sent(web_app: FastAPI, signed_in: SignIn,
                                                       sessions: sessionmaker[Session]) -> None:
    client = signed_in("finance")
    token = csrf_of(client.get("/").text)
    stored_when_answered: list[str] = []

    async def watching(scope: dict[str, Any], receive: Any, send: Any) -> None:
        async def look_then_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start" and scope.get("path") == "/language":
                with sessions() as session:  # another connection: sees only what was committed
                    stored_when_answered.append(
                        session.execute(select(User.locale).where(User.name == "finance")).scalar_one())
            await send(message)
        await web_app(scope, receive, look_then_send)

    with TestClient(watching, follow_redirects=False, cookies=client.cookies) as watched:
        answer = watched.post("/language", data={"locale": "zh", "back": "/debtors", "csrf_token": token})
    assert (answer.status_code, answer.headers["location"]) == (303, "/debtors")
    assert stored_when_answered == ["zh"]  # the user was created with "en"
