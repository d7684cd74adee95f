"""Text helpers: slugs."""

from __future__ import annotations

import re
import unicodedata

__all__ = ("slugify",)


def slugify(value: str, max_length: int = 50) -> str:
    """A lowercase ASCII slug of letters, digits and single hyphens (``"Área 51!"`` -> ``"area-51"``)."""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].strip("-")
