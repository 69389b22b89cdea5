"""Delivery evidence: proof files recognised by content, possible dates, what counts as evidenced delivery."""

from __future__ import annotations

from datetime import date

import pytest

from receivables.domain.delivery import (
    DeliveryError,
    check_channel,
    check_dates,
    check_proof,
    delivery_evidence,
    proof_media_type,
)

LETTER_DAY, TODAY = date(2026, 11, 20), date(2026, 11, 29)


@pytest.mark.parametrize(("content", "media_type"), [
    (b"%PDF-1.7\n...", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
    (b"GIF89a\x01\x00", "image/gif"),
    (b"II*\x00\x08\x00", "image/tiff"),
    (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
])
def test_pdf_and_images_are_recognised_by_their_first_bytes(content: bytes, media_type: str) -> None:
    assert proof_media_type(content) == media_type


@pytest.mark.parametrize("content", [b"PK\x03\x04 a docx renamed to .pdf", b"hello", b"RIFF\x00\x00\x00\x00WAVE",
                                     b" %PDF-1.7"])
def test_other_files_are_not_proofs_whatever_their_name(content: bytes) -> None:
    assert proof_media_type(content) is None
    with pytest.raises(DeliveryError, match=r"proof receipt\.pdf: not a PDF or an image"):
        check_proof(content, "receipt.pdf")


def test_an_empty_proof_file_is_refused() -> None:
    with pytest.raises(DeliveryError, match="empty"):
        check_proof(b"", "scan.jpg")


def test_delivery_on_the_sending_day_and_today_is_possible() -> None:
    check_dates(letter_date=LETTER_DAY, sent_on=LETTER_DAY, delivered_on=LETTER_DAY, as_of=LETTER_DAY)
    check_dates(letter_date=LETTER_DAY, sent_on=LETTER_DAY, delivered_on=TODAY, as_of=TODAY)


@pytest.mark.parametrize(("sent", "delivered", "message"), [
    (date(2026, 11, 21), date(2026, 11, 20), "delivered on 2026-11-20 is before the sending date 2026-11-21"),
    (date(2026, 11, 20), date(2026, 11, 30), "delivered on 2026-11-30 is in the future"),
    (date(2026, 11, 19), date(2026, 11, 25), "sent on 2026-11-19 is before the letter's date"),
    (date(2026, 11, 30), date(2026, 11, 30), "sent on 2026-11-30 is in the future"),
])
def test_impossible_dates_are_refused_with_the_reason(sent: date, delivered: date, message: str) -> None:
    with pytest.raises(DeliveryError, match=message):
        check_dates(letter_date=LETTER_DAY, sent_on=sent, delivered_on=delivered, as_of=TODAY)


def test_only_delivery_with_a_stored_proof_is_evidence() -> None:
    assert delivery_evidence(TODAY, "ab" * 32).evidenced
    assert not delivery_evidence(TODAY, None).evidenced
    assert "sending alone does not interrupt" in delivery_evidence(None, "ab" * 32).reason


def test_unknown_channel_is_refused_naming_the_known_ones() -> None:
    assert check_channel("hand") == "hand"
    with pytest.raises(DeliveryError, match="registered_mail, courier, hand, email"):
        check_channel("pigeon")
