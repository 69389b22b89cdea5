"""Delivery evidence of a letter: which proof files are acceptable, which dates are possible, what interrupts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

CHANNELS: tuple[str, ...] = ("registered_mail", "courier", "hand", "email")
PROOF_KINDS = "a PDF or an image (PNG, JPEG, GIF, TIFF, WebP)"

# Leading bytes of the accepted formats; the extension is never trusted (a renamed .docx is not a scan).
_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (0, b"%PDF-", "application/pdf"),
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"GIF87a", "image/gif"),
    (0, b"GIF89a", "image/gif"),
    (0, b"II*\x00", "image/tiff"),
    (0, b"MM\x00*", "image/tiff"),
)


class DeliveryError(ValueError):
    """A delivery fact that cannot be true or cannot be kept as evidence; the message says which and why."""


def proof_media_type(content: bytes) -> str | None:
    """The media type of a proof file from its first bytes, or None when it is neither a PDF nor an image."""
    for offset, signature, media_type in _SIGNATURES:
        if content[offset:offset + len(signature)] == signature:
            return media_type
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_proof(content: bytes, name: str) -> str:
    """The proof's media type; a DeliveryError naming the file when it is empty or not a PDF or image."""
    if not content:
        raise DeliveryError(f"proof {name}: the file is empty")
    media_type = proof_media_type(content)
    if media_type is None:
        raise DeliveryError(f"proof {name}: not {PROOF_KINDS} (its content was checked, not its name)")
    return media_type


def check_channel(channel: str) -> str:
    if channel not in CHANNELS:
        raise DeliveryError(f"unknown channel {channel!r} (known: {', '.join(CHANNELS)})")
    return channel


def check_dates(*, letter_date: date, sent_on: date, delivered_on: date, as_of: date) -> None:
    """A letter is sent on or after its date and delivered on or after it was sent, and neither in the future."""
    if sent_on < letter_date:
        raise DeliveryError(f"sent on {sent_on} is before the letter's date {letter_date}")
    if sent_on > as_of:
        raise DeliveryError(f"sent on {sent_on} is in the future (today is {as_of})")
    if delivered_on < sent_on:
        raise DeliveryError(f"delivered on {delivered_on} is before the sending date {sent_on}")
    if delivered_on > as_of:
        raise DeliveryError(f"delivered on {delivered_on} is in the future (today is {as_of})")


@dataclass(frozen=True, slots=True)
class Evidence:
    """Whether a delivery fact proves arrival (SPC Limitation Rules Art. 8), and why or why not."""

    evidenced: bool
    reason: str


def delivery_evidence(delivered_on: date | None, proof_sha256: str | None) -> Evidence:
    """Evidenced delivery is a delivery date AND a stored proof file (a signed receipt scan, the courier's or the
    post office's delivery record, the e-mail delivery record). A tracking number or a typed signer's name alone
    is a claim, not evidence: the courier's record expires and must be kept as a file."""
    if delivered_on is None:
        return Evidence(False, "no delivery date: sending alone does not interrupt limitation")
    if proof_sha256 is None:
        return Evidence(False, "delivered, but no proof file is stored: record the signed receipt, courier record "
                               "or e-mail delivery record with --proof")
    return Evidence(True, f"delivery on {delivered_on} is evidenced by a stored proof file")
