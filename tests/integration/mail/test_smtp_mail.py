"""Sending mail to a real local SMTP server: headers, body, attachments and retries as they arrive."""

from __future__ import annotations

import pytest

from receivables.services.mail import Attachment, MailFailed, OutgoingMail, SmtpSettings, send_mail
from tests.smtp_capture import CapturingHandler, free_port, smtp_server

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 4
DOCX = b"PK\x03\x04" + bytes(range(255, -1, -1)) * 3


def settings(port: int) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=port, security="none", user=None, password=None,
                        sender="ar@creditor.example")


def statement_mail() -> OutgoingMail:
    return OutgoingMail(
        to=("finance@debtor.example",), cc=("sales@creditor.example",),
        subject="对账单 〔2026〕对字第0001号 — 2026年11月",
        body="尊敬的客户：\n请核对附件中的对账单。\nKind regards",
        attachments=(Attachment("对账单-2026-11.pdf", "application/pdf", PDF),
                     Attachment("对账单-2026-11.docx",
                                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                                DOCX)))


def test_chinese_subject_body_and_attachment_names_arrive_intact() -> None:
    handler = CapturingHandler()
    with smtp_server(handler) as port:
        message_id = send_mail(settings(port), statement_mail())
    assert len(handler.arrived) == 1
    arrival = handler.arrived[0]
    assert arrival.recipients == ["finance@debtor.example", "sales@creditor.example"]
    # The wire form is 7-bit: encoded words in the subject, RFC 2231 file names.
    assert arrival.raw.isascii()
    message = arrival.message
    assert message["Subject"] == "对账单 〔2026〕对字第0001号 — 2026年11月"
    assert message["Message-ID"] == message_id
    assert message["To"] == "finance@debtor.example"
    assert message["Cc"] == "sales@creditor.example"
    body = message.get_body(("plain",))
    assert body is not None
    # Text in base64 carries canonical CRLF line ends (RFC 2045); readers show them as line breaks.
    assert body.get_content().replace("\r\n", "\n").rstrip("\n") == statement_mail().body
    parts = {part.get_filename(): part for part in message.iter_attachments()}
    assert set(parts) == {"对账单-2026-11.pdf", "对账单-2026-11.docx"}
    assert parts["对账单-2026-11.pdf"].get_content() == PDF
    assert parts["对账单-2026-11.pdf"].get_content_type() == "application/pdf"
    assert parts["对账单-2026-11.docx"].get_content() == DOCX


def test_temporary_refusals_are_retried_with_backoff_then_accepted() -> None:
    handler = CapturingHandler(refuse_first=2)
    waits: list[float] = []
    with smtp_server(handler) as port:
        send_mail(settings(port), statement_mail(), attempts=3, backoff_seconds=(1, 4), sleep=waits.append)
    assert handler.attempts == 3
    assert len(handler.arrived) == 1
    assert waits == [1, 4]


def test_a_server_that_keeps_refusing_is_reported_after_the_last_attempt() -> None:
    handler = CapturingHandler(refuse_first=99)
    waits: list[float] = []
    with smtp_server(handler) as port, pytest.raises(MailFailed, match="after 3 attempt"):
        send_mail(settings(port), statement_mail(), attempts=3, backoff_seconds=(1, 4), sleep=waits.append)
    assert handler.arrived == []
    assert waits == [1, 4]


def test_permanent_refusal_is_not_retried() -> None:
    handler = CapturingHandler(refuse_first=99, refusal="554 5.7.1 rejected")
    waits: list[float] = []
    with smtp_server(handler) as port, pytest.raises(MailFailed, match="554"):
        send_mail(settings(port), statement_mail(), sleep=waits.append)
    assert handler.attempts == 1 and waits == []


def test_no_server_listening_is_retried_then_reported() -> None:
    waits: list[float] = []
    with pytest.raises(MailFailed, match="after 2 attempt"):
        send_mail(settings(free_port()), statement_mail(), attempts=2, sleep=waits.append)
    assert waits == [1]


def test_settings_come_from_the_environment_and_hide_the_password() -> None:
    smtp = SmtpSettings.from_env({
        "RECEIVABLES_SMTP_HOST": "mail.example", "RECEIVABLES_SMTP_TLS": "starttls",
        "RECEIVABLES_SMTP_USER": "ar", "RECEIVABLES_SMTP_PASSWORD": "s3cret-pw",
        "RECEIVABLES_SMTP_FROM": "ar@creditor.example"})
    assert smtp is not None
    assert (smtp.host, smtp.port, smtp.security, smtp.user, smtp.sender) == \
        ("mail.example", 587, "starttls", "ar", "ar@creditor.example")
    assert "s3cret-pw" not in repr(smtp) and "s3cret-pw" not in smtp.describe()
    assert SmtpSettings.from_env({}) is None


@pytest.mark.parametrize(("name", "value", "fragment"), [
    ("RECEIVABLES_SMTP_PORT", "99999", "RECEIVABLES_SMTP_PORT"),
    ("RECEIVABLES_SMTP_TLS", "maybe", "RECEIVABLES_SMTP_TLS"),
    ("RECEIVABLES_SMTP_FROM", "nobody", "RECEIVABLES_SMTP_FROM"),
])
def test_malformed_smtp_settings_are_refused_naming_the_variable(name: str, value: str, fragment: str) -> None:
    env = {"RECEIVABLES_SMTP_HOST": "mail.example", "RECEIVABLES_SMTP_FROM": "ar@creditor.example", name: value}
    with pytest.raises(Exception, match=fragment):
        SmtpSettings.from_env(env)


def test_a_malformed_recipient_is_refused_before_connecting() -> None:
    mail = OutgoingMail(to=("not an address",), cc=(), subject="x", body="y")
    with pytest.raises(Exception, match="not an e-mail address"):
        send_mail(settings(free_port()), mail, sleep=lambda _: None)


def test_a_non_ascii_address_is_refused_before_connecting() -> None:
    mail = OutgoingMail(to=("张伟@腾达.example",), cc=(), subject="对账", body="请核对")
    with pytest.raises(Exception, match="not a plain ASCII e-mail address"):
        send_mail(settings(free_port()), mail, sleep=lambda _: None)
