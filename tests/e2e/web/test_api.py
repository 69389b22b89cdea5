"""The JSON API through HTTP: listing, searching and paging debtors, accounts, aging, and idempotent posting of
receivables and payments; amounts are exact strings and errors name the field at fault."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from fastapi.testclient import TestClient

from tests.e2e.web.conftest import AS_OF


def _all_debtor_rows(client: TestClient, headers: dict[str, str], **params: str) -> list[dict]:
    rows, page = [], 1
    while True:
        body = client.get("/api/v1/debtors", params={**params, "per_page": "500", "page": str(page)},
                          headers=headers).json()
        rows += body["rows"]
        if len(rows) >= body["total"]:
            return rows
        page += 1


def test_the_debtor_list_pages_sorts_and_keeps_amounts_exact(anonymous: TestClient, bearer) -> None:
    headers = bearer("viewer")
    first = anonymous.get("/api/v1/debtors", params={"per_page": 10, "sort": "name", "desc": "false"}, headers=headers)
    assert first.status_code == 200
    body = first.json()
    assert body["total"] >= 60 and body["page"] == 1 and len(body["rows"]) == 10
    names = [r["name"] for r in body["rows"]]
    assert names == sorted(names)
    second = anonymous.get("/api/v1/debtors", params={"per_page": 10, "page": 2, "sort": "name", "desc": "false"},
                           headers=headers).json()
    assert not {r["code"] for r in second["rows"]} & {r["code"] for r in body["rows"]}
    by_overdue = anonymous.get("/api/v1/debtors", params={"per_page": 20}, headers=headers).json()["rows"]
    overdue = [Decimal(r["overdue"]) for r in by_overdue if r["overdue"] is not None]
    assert overdue == sorted(overdue, reverse=True)
    assert all(isinstance(r["open_amount"], str) for r in by_overdue if r["open_amount"] is not None)


def test_search_finds_debtors_by_code_name_credit_code_and_contact(anonymous: TestClient, bearer) -> None:
    headers = bearer("viewer")
    row = anonymous.get("/api/v1/debtors", params={"per_page": 1}, headers=headers).json()["rows"][0]
    for text in (row["code"], row["name"][2:8], row["credit_code"]):
        found = anonymous.get("/api/v1/debtors", params={"q": text}, headers=headers).json()["rows"]
        assert row["code"] in {r["code"] for r in found}, text
    contacts = anonymous.get("/api/v1/contacts", params={"debtor": row["code"]}, headers=headers).json()["rows"]
    assert contacts, "the demo gives every debtor contacts"
    found = anonymous.get("/api/v1/debtors", params={"q": contacts[0]["name"]}, headers=headers).json()["rows"]
    assert row["code"] in {r["code"] for r in found}
    nothing = anonymous.get("/api/v1/debtors", params={"q": "%_no such thing_%"}, headers=headers).json()
    assert nothing["total"] == 0 and nothing["rows"] == []


def test_the_bucket_filter_keeps_debtors_whose_oldest_item_is_in_that_bucket(anonymous: TestClient, bearer) -> None:
    headers = bearer("viewer")
    everyone = _all_debtor_rows(anonymous, headers)
    for bucket in ("current", "1-30", ">365"):
        rows = _all_debtor_rows(anonymous, headers, bucket=bucket)
        assert {r["code"] for r in rows} <= {r["code"] for r in everyone}
        assert all(r["bucket"] == bucket for r in rows)
        assert len(rows) == sum(1 for r in everyone if r["bucket"] == bucket)
    bad = anonymous.get("/api/v1/debtors", params={"bucket": "1-31"}, headers=headers)
    assert bad.status_code == 422 and bad.json()["field"] == "bucket"


def test_aging_totals_agree_with_the_debtor_list(anonymous: TestClient, bearer) -> None:
    headers = bearer("viewer")
    aging = anonymous.get("/api/v1/aging", params={"limit": 5}, headers=headers).json()
    listed: dict[str, Decimal] = defaultdict(Decimal)
    for row in _all_debtor_rows(anonymous, headers):
        if row["currency"]:
            listed[row["currency"]] += Decimal(row["open_amount"])
    assert {c: Decimal(t["total"]) for c, t in aging["totals"].items()} == dict(listed)
    full = anonymous.get("/api/v1/aging", params={"by": "company", "limit": 100}, headers=headers).json()
    assert full["totals"] == aging["totals"] and full["row_count"] >= 2


def test_a_debtor_account_lists_items_and_payments_and_unknown_codes_are_404(anonymous: TestClient,
                                                                              bearer) -> None:
    headers = bearer("viewer")
    code = anonymous.get("/api/v1/debtors", params={"per_page": 1}, headers=headers).json()["rows"][0]["code"]
    account = anonymous.get(f"/api/v1/debtors/{code}", headers=headers).json()
    assert account["code"] == code and account["as_of"] == AS_OF.isoformat() and account["open_items"]
    items = anonymous.get("/api/v1/receivables", params={"debtor": code}, headers=headers).json()["rows"]
    assert [i["number"] for i in items] == [i["number"] for i in account["open_items"]]
    payments = anonymous.get("/api/v1/payments", params={"debtor": code}, headers=headers).json()["rows"]
    assert [p["reference"] for p in payments] == [p["reference"] for p in account["payments"]]
    missing = anonymous.get("/api/v1/debtors/NO-SUCH", headers=headers)
    assert missing.status_code == 404 and set(missing.json()) == {"message", "field"}


def _invoice(code: str, number: str = "ERP-0001", amount: str = "1200.50") -> dict[str, str]:
    return {"debtor": code, "number": number, "issue_date": "2026-06-01", "due_date": "2026-06-20",
            "amount": amount, "currency": "CNY"}


def test_posting_a_receivable_is_idempotent_with_and_without_a_key(anonymous: TestClient, bearer) -> None:
    headers = bearer("finance")
    code = anonymous.get("/api/v1/debtors", params={"per_page": 1}, headers=headers).json()["rows"][0]["code"]
    keyed = {**headers, "Idempotency-Key": "erp-42"}
    created = anonymous.post("/api/v1/receivables", json=_invoice(code), headers=keyed)
    assert created.status_code == 201, created.text
    assert created.json() | {} == {**created.json(), "number": "ERP-0001", "amount": "1200.50", "open_amount": "1200.50",
                                   "created": True}
    replay = anonymous.post("/api/v1/receivables", json=_invoice(code), headers=keyed)
    assert replay.status_code == 201 and replay.json() == created.json()
    assert replay.headers["Idempotent-Replay"] == "true"
    conflict = anonymous.post("/api/v1/receivables", json=_invoice(code, amount="9.99"), headers=keyed)
    assert conflict.status_code == 409 and conflict.json()["field"] == "Idempotency-Key"
    again = anonymous.post("/api/v1/receivables", json=_invoice(code), headers=headers)
    assert again.status_code == 200 and again.json()["created"] is False
    changed = anonymous.post("/api/v1/receivables", json=_invoice(code, amount="1.00"), headers=headers)
    assert changed.status_code == 422 and changed.json()["field"] == "amount"
    numbers = [i["number"] for i in anonymous.get("/api/v1/receivables", params={"debtor": code},
                                                  headers=headers).json()["rows"]]
    assert numbers.count("ERP-0001") == 1


def test_a_posted_payment_is_applied_once_to_the_named_invoice(anonymous: TestClient, bearer) -> None:
    headers = bearer("finance")
    code = anonymous.get("/api/v1/debtors", params={"per_page": 1}, headers=headers).json()["rows"][0]["code"]
    anonymous.post("/api/v1/receivables", json=_invoice(code, "ERP-0002", "500.00"), headers=headers)
    payment = {"debtor": code, "reference": "BANK-777", "date": "2026-06-25", "amount": "600.00",
               "currency": "CNY", "applies_to": "ERP-0002"}
    keyed = {**headers, "Idempotency-Key": "pay-1"}
    first = anonymous.post("/api/v1/payments", json=payment, headers=keyed)
    assert first.status_code == 201, first.text
    assert first.json()["applied"] == [["ERP-0002", "500.00"]] and first.json()["unapplied"] == "100.00"
    assert anonymous.post("/api/v1/payments", json=payment, headers=keyed).json() == first.json()
    assert anonymous.post("/api/v1/payments", json=payment, headers=headers).json()["created"] is False
    references = [p["reference"] for p in anonymous.get("/api/v1/payments", params={"debtor": code},
                                                        headers=headers).json()["rows"]]
    assert references.count("BANK-777") == 1
    items = anonymous.get("/api/v1/receivables", params={"debtor": code}, headers=headers).json()["rows"]
    assert "ERP-0002" not in {i["number"] for i in items}


def test_bad_postings_name_the_field_at_fault(anonymous: TestClient, bearer) -> None:
    headers = bearer("finance")
    rows = anonymous.get("/api/v1/debtors", params={"per_page": 2, "sort": "code", "desc": "false"},
                         headers=headers).json()["rows"]
    mine, other = rows[0]["code"], rows[1]["code"]
    missing = {k: v for k, v in _invoice(mine).items() if k != "amount"}
    answer = anonymous.post("/api/v1/receivables", json=missing, headers=headers)
    assert answer.status_code == 422 and answer.json()["field"] == "amount"
    unknown = anonymous.post("/api/v1/receivables", json=_invoice("NO-SUCH"), headers=headers)
    assert unknown.status_code == 422 and unknown.json()["field"] == "debtor"
    negative = anonymous.post("/api/v1/receivables", json=_invoice(mine, amount="-5"), headers=headers)
    assert negative.status_code == 422 and negative.json()["field"] == "amount"
    # another debtor's invoice cannot be named by this debtor's payment
    anonymous.post("/api/v1/receivables", json=_invoice(other, "ERP-OTHER"), headers=headers)
    wrong = anonymous.post("/api/v1/payments", json={"debtor": mine, "reference": "BANK-X", "date": "2026-06-25",
                                                     "amount": "10", "currency": "CNY", "applies_to": "ERP-OTHER"},
                           headers=headers)
    assert wrong.status_code == 422 and wrong.json()["field"] == "applies_to"
    assert "BANK-X" not in {p["reference"] for p in anonymous.get(
        "/api/v1/payments", params={"debtor": mine}, headers=headers).json()["rows"]}


def test_openapi_is_served_and_the_docs_page_fetches_nothing_from_outside(signed_in) -> None:
    client = signed_in("viewer")
    schema = client.get("/api/openapi.json").json()
    assert {"/api/v1/debtors", "/api/v1/receivables", "/api/v1/payments", "/api/v1/aging"} <= set(schema["paths"])
    page = client.get("/api/docs")
    assert page.status_code == 200 and "/api/v1/payments" in page.text
    assert "cdn" not in page.text.lower() and 'src="http' not in page.text and 'href="http' not in page.text


def _contract(code: str, number: str = "HT-API-01", amount: str = "1200000.00", **extra: str) -> dict[str, str]:
    return {"debtor": code, "number": number, "title": "办公楼机电安装", "kind": "construction", "amount": amount,
            "currency": "CNY", "signed_on": "2026-01-15", "payment_terms_days": 30, **extra}


def test_a_contract_is_posted_once_and_listed_with_what_was_billed_under_it(anonymous: TestClient, bearer) -> None:
    headers = bearer("finance")
    code = anonymous.get("/api/v1/debtors", params={"per_page": 1}, headers=headers).json()["rows"][0]["code"]
    keyed = {**headers, "Idempotency-Key": "contract-1"}
    created = anonymous.post("/api/v1/contracts", json=_contract(code), headers=keyed)
    assert created.status_code == 201, created.text
    assert created.json()["amount"] == "1200000.00" and created.json()["billed"] == "0.00"
    assert anonymous.post("/api/v1/contracts", json=_contract(code), headers=keyed).json() == created.json()
    repeat = anonymous.post("/api/v1/contracts", json=_contract(code), headers=headers)
    assert repeat.status_code == 200 and repeat.json()["created"] is False
    invoice = {"debtor": code, "number": "HT-API-01-P1", "issue_date": "2026-03-01", "amount": "300000.00",
               "currency": "CNY", "contract": "HT-API-01", "kind": "progress"}
    assert anonymous.post("/api/v1/receivables", json=invoice, headers=headers).status_code == 201
    rows = anonymous.get("/api/v1/contracts", params={"debtor": code}, headers=headers).json()["rows"]
    (mine,) = [r for r in rows if r["number"] == "HT-API-01"]
    assert (mine["billed"], mine["open"], mine["payment_terms_days"]) == ("300000.00", "300000.00", 30)


def test_bad_contracts_name_the_field_and_viewers_cannot_post(anonymous: TestClient, bearer) -> None:
    headers = bearer("finance")
    code = anonymous.get("/api/v1/debtors", params={"per_page": 1}, headers=headers).json()["rows"][0]["code"]
    negative = anonymous.post("/api/v1/contracts", json=_contract(code, amount="-1"), headers=headers)
    assert negative.status_code == 422 and negative.json()["field"] == "amount"
    unknown = anonymous.post("/api/v1/contracts", json=_contract("NO-SUCH"), headers=headers)
    assert unknown.status_code == 422 and unknown.json()["field"] == "debtor"
    assert anonymous.post("/api/v1/contracts", json=_contract(code), headers=bearer("viewer")).status_code == 403
    missing = anonymous.get("/api/v1/contracts", params={"debtor": "NO-SUCH"}, headers=headers)
    assert missing.status_code == 404


def test_a_project_manager_sees_only_the_contracts_they_manage(anonymous: TestClient, bearer, web_app) -> None:
    from sqlalchemy import insert as sql_insert, select as sql_select

    from receivables.storage.schema import Contract, Debtor
    from receivables.storage.schema.projects import ConstructionProject

    headers = bearer("finance")
    code = anonymous.get("/api/v1/debtors", params={"per_page": 1}, headers=headers).json()["rows"][0]["code"]
    for number in ("HT-PM-MINE", "HT-PM-OTHER"):
        anonymous.post("/api/v1/contracts", json=_contract(code, number), headers=headers)
    with web_app.state.web.runtime.sessions.begin() as session:
        ids = dict(session.execute(sql_select(Contract.number, Contract.id).join(Debtor, Debtor.id == Contract.debtor_id)
                                   .where(Debtor.code == code)).all())
        for number, manager in (("HT-PM-MINE", "pm-api"), ("HT-PM-OTHER", "someone-else")):
            session.execute(sql_insert(ConstructionProject).values(contract_id=ids[number], project_manager=manager,
                                                                   retention_rate=3, defect_liability_months=24))
    mine = anonymous.get("/api/v1/contracts", params={"debtor": code}, headers=bearer("project_manager", "pm-api"))
    assert [r["number"] for r in mine.json()["rows"]] == ["HT-PM-MINE"]
    everyone = anonymous.get("/api/v1/contracts", params={"debtor": code}, headers=headers).json()["rows"]
    assert {"HT-PM-MINE", "HT-PM-OTHER"} <= {r["number"] for r in everyone}


def test_the_debtor_list_filters_by_collector(anonymous: TestClient, bearer, web_app) -> None:
    from sqlalchemy import update as sql_update

    from receivables.storage.schema import Debtor

    headers = bearer("viewer")
    codes = [r["code"] for r in anonymous.get("/api/v1/debtors", params={"per_page": 3, "sort": "code",
                                                                         "desc": "false"}, headers=headers).json()["rows"]]
    with web_app.state.web.runtime.sessions.begin() as session:
        session.execute(sql_update(Debtor).where(Debtor.code.in_(codes[:2])).values(collector="小李"))
    rows = _all_debtor_rows(anonymous, headers, collector="小李")
    assert sorted({r["code"] for r in rows}) == sorted(codes[:2])
