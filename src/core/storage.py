"""File storage for uploads (logos, cover images, attachments): a local directory served under ``/media``.

Stored names never come from the client: each file gets a random name with the extension of its detected type.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from core.http.errors import FieldErrors, PayloadTooLarge

if TYPE_CHECKING:
    from core.http.body import Upload

__all__ = ("MEDIA_URL", "LocalStorage", "detect_image")

MEDIA_URL = "/media"
MAX_IMAGE_BYTES = 5 * 1024 * 1024
_IMAGE_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
)


def detect_image(data: bytes) -> str | None:
    """The extension of a PNG, JPEG, GIF or WebP image from its first bytes, or None."""
    for signature, extension in _IMAGE_SIGNATURES:
        if data.startswith(signature):
            return extension
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


class LocalStorage:
    """Files under ``root``, published at ``MEDIA_URL``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def save_image(self, upload: Upload, folder: str, field: str) -> str:
        """Validate and store an image; return its public URL path.

        Raises:
            PayloadTooLarge: over 5 MB.
            FieldErrors: not a PNG, JPEG, GIF or WebP image.
        """
        if len(upload.data) > MAX_IMAGE_BYTES:
            msg = f"{field}: the image is larger than 5 MB."
            raise PayloadTooLarge(msg)
        extension = detect_image(upload.data)
        if extension is None:
            raise FieldErrors({field: ["Upload a valid image (PNG, JPEG, GIF or WebP)."]})
        return self.save(upload.data, folder, extension)

    def save(self, data: bytes, folder: str, extension: str) -> str:
        """Store ``data`` under a random name in ``folder``; return its public URL path."""
        directory = self.root / folder
        directory.mkdir(parents=True, exist_ok=True)
        name = f"{uuid.uuid4().hex}.{extension}"
        (directory / name).write_bytes(data)
        return f"{MEDIA_URL}/{folder}/{name}"
