"""Pictures a letter may carry (the letterhead logo): checked to be real images before use."""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from PIL import Image as PILImage
from PIL import UnidentifiedImageError

from letters.errors import LetterError

ACCEPTED_FORMATS = {"PNG": "png", "JPEG": "jpeg", "GIF": "gif"}


@dataclass(frozen=True)
class Picture:
    """A checked image: its bytes, format (file extension) and size in pixels."""

    source: str
    data: bytes
    extension: str
    width: int
    height: int


def load_picture(source: str) -> Picture:
    """The image at ``source``; LetterError when it is missing or not a PNG, JPEG or GIF image."""
    path = Path(source)
    if not source or not path.is_file():
        raise LetterError(f"logo {source!r} was not found")
    data = path.read_bytes()
    try:
        with PILImage.open(BytesIO(data)) as probe:
            probe.verify()
        with PILImage.open(BytesIO(data)) as image:
            image_format, (width, height) = image.format or "", image.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise LetterError(f"logo {source!r} is not an image (PNG, JPEG or GIF expected): {exc}") from None
    if image_format not in ACCEPTED_FORMATS:
        raise LetterError(f"logo {source!r} is a {image_format} image; use PNG, JPEG or GIF")
    return Picture(source, data, ACCEPTED_FORMATS[image_format], width, height)
