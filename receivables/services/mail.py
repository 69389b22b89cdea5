"""Sending e-mail over SMTP: settings from the environment, a UTF-8 message with attachments, retries."""

from __future__ import annotations

import smtplib
import ssl
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email.errors import MessageDefect
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid

from receivables.services.errors import Refused

SECURITY_MODES = ("none", "starttls", "ssl")
DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}
# Spellings people use for RECEIVABLES_SMTP_TLS, mapped to our three modes.
_TLS_WORDS = {
    "": "none", "none": "none", "no": "none", "off": "none", "false": "none", "0": "none", "plain": "none",
    "starttls": "starttls", "tls": "starttls", "yes": "starttls", "on": "starttls", "true": "starttls",
    "1": "starttls",
    "ssl": "ssl", "smtps": "ssl", "implicit": "ssl",
}
SMTP_TIMEOUT_SECONDS = 30


class MailFailed(Refused):
    """The SMTP server did not accept the message (after every retry); nothing was sent."""


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """How to reach the outgoing mail server. `repr` never shows the password."""

    host: str
    port: int
    security: str
    user: str | None
    password: str | None = field(repr=False)
    sender: str

    def __post_init__(self) -> None:
        if self.security not in SECURITY_MODES:
            raise Refused(f"SMTP security {self.security!r} is not one of {', '.join(SECURITY_MODES)}")

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SmtpSettings | None:
        """Read RECEIVABLES_SMTP_*; None when no host is configured (e-mail is then unavailable)."""
        host = (env.get("RECEIVABLES_SMTP_HOST") or "").strip()
        if not host:
            return None
        tls_word = (env.get("RECEIVABLES_SMTP_TLS") or "").strip().lower()
        security = _TLS_WORDS.get(tls_word)
        if security is None:
            raise Refused(f"RECEIVABLES_SMTP_TLS={tls_word!r}: expected none, starttls or ssl")
        port_text = (env.get("RECEIVABLES_SMTP_PORT") or "").strip()
        if port_text:
            if not port_text.isdigit() or not 0 < int(port_text) < 65536:
                raise Refused(f"RECEIVABLES_SMTP_PORT={port_text!r} is not a port number (1-65535)")
            port = int(port_text)
        else:
            port = DEFAULT_PORTS[security]
        user = (env.get("RECEIVABLES_SMTP_USER") or "").strip() or None
        password = env.get("RECEIVABLES_SMTP_PASSWORD") or None
        sender = (env.get("RECEIVABLES_SMTP_FROM") or "").strip() or user or ""
        if "@" not in sender:
            raise Refused("RECEIVABLES_SMTP_FROM is missing or not an e-mail address")
        return cls(host=host, port=port, security=security, user=user, password=password, sender=sender)

    def describe(self) -> str:
        """One line for logs and messages: the server and account, never the password."""
        account = f" as {self.user}" if self.user else ""
        return f"{self.host}:{self.port} ({self.security}){account}"


@dataclass(frozen=True, slots=True)
class Attachment:
    file_name: str
    media_type: str
    content: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    body: str
    attachments: tuple[Attachment, ...] = ()


def build_message(sender: str, mail: OutgoingMail, *, message_id: str | None = None) -> EmailMessage:
    """The MIME message: UTF-8 text body, base64 attachments with RFC 2231 file names."""
    if not mail.to:
        raise Refused("an e-mail needs at least one recipient")
    for address in (*mail.to, *mail.cc):
        _check_address(address)
    message = EmailMessage(policy=SMTP)
    message["From"] = sender
    message["To"] = ", ".join(mail.to)
    if mail.cc:
        message["Cc"] = ", ".join(mail.cc)
    message["Subject"] = mail.subject
    message["Message-ID"] = message_id or make_msgid(domain=_domain_of(sender))
    message["Date"] = _format_date()
    # base64 keeps the wire 7-bit: some relays still mangle 8-bit bodies.
    message.set_content(mail.body, charset="utf-8", cte="base64")
    for attachment in mail.attachments:
        maintype, _, subtype = attachment.media_type.partition("/")
        # A non-ASCII file name becomes filename*=utf-8''… (RFC 2231), which mail clients decode.
        message.add_attachment(attachment.content, maintype=maintype, subtype=subtype or "octet-stream",
                               filename=attachment.file_name)
    return message


def send_mail(smtp: SmtpSettings, mail: OutgoingMail, *, attempts: int = 3,
              backoff_seconds: Sequence[float] = (1, 4),
              sleep: Callable[[float], None] = time.sleep) -> str:
    """Send one message and return its Message-ID; retry transient failures, then raise MailFailed.

    A server answer of "permanently refused" (5xx for every recipient, bad credentials) is not retried:
    trying again cannot help. Waits between attempts are `backoff_seconds` in turn (the last repeats).
    """
    message = build_message(smtp.sender, mail)
    message_id = str(message["Message-ID"])
    recipients = [*mail.to, *mail.cc]
    last_error = "no attempt made"
    for attempt in range(1, max(attempts, 1) + 1):
        try:
            _deliver(smtp, message, recipients)
            return message_id
        except smtplib.SMTPAuthenticationError as error:
            raise MailFailed(f"SMTP server {smtp.describe()} refused the login: {_reply(error)}") from error
        except smtplib.SMTPRecipientsRefused as error:
            refused = ", ".join(sorted(error.recipients))
            raise MailFailed(f"SMTP server {smtp.describe()} refused the recipients {refused}") from error
        except smtplib.SMTPResponseException as error:
            last_error = _reply(error)
            if 500 <= error.smtp_code < 600:
                raise MailFailed(f"SMTP server {smtp.describe()} refused the message: {last_error}") from error
        except (smtplib.SMTPException, OSError) as error:
            last_error = f"{type(error).__name__}: {error}"
        if attempt < attempts:
            sleep(_backoff(backoff_seconds, attempt))
    raise MailFailed(f"SMTP server {smtp.describe()} did not accept the message after {attempts} "
                     f"attempt(s): {last_error}")


def _deliver(smtp: SmtpSettings, message: EmailMessage, recipients: list[str]) -> None:
    client: smtplib.SMTP
    if smtp.security == "ssl":
        client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=SMTP_TIMEOUT_SECONDS,
                                  context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=SMTP_TIMEOUT_SECONDS)
    with client:
        client.ehlo()
        if smtp.security == "starttls":
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
        if smtp.user:
            client.login(smtp.user, smtp.password or "")
        # With a non-ASCII address smtplib itself switches to SMTPUTF8 (or refuses if the server lacks it).
        client.send_message(message, smtp.sender, recipients)


def _backoff(backoff_seconds: Sequence[float], attempt: int) -> float:
    if not backoff_seconds:
        return 0.0
    return float(backoff_seconds[min(attempt - 1, len(backoff_seconds) - 1)])


def _reply(error: smtplib.SMTPResponseException) -> str:
    text = error.smtp_error.decode("utf-8", "replace") if isinstance(error.smtp_error, bytes) \
        else str(error.smtp_error)
    return f"{error.smtp_code} {text}".strip()


def _check_address(address: str) -> None:
    if not address.isascii():
        # The header registry refuses non-ASCII local parts, and few servers accept SMTPUTF8.
        raise Refused(f"{address!r} is not a plain ASCII e-mail address; use the recipient's ASCII address")
    try:
        parsed = Address(addr_spec=address.strip())
    except (ValueError, IndexError, MessageDefect) as error:
        raise Refused(f"{address!r} is not an e-mail address") from error
    if not parsed.username or not parsed.domain:
        raise Refused(f"{address!r} is not an e-mail address")


def _domain_of(sender: str) -> str:
    domain = sender.rpartition("@")[2].strip(" >")
    return domain if domain.isascii() and domain else "localhost"


def _format_date() -> str:
    # The Date header is the moment of sending: the one clock read this adapter makes.
    return formatdate(localtime=True)
