"""Safe file names from titles: never escapes the output folder, never a reserved name."""

from __future__ import annotations

import re

from anyascii import anyascii

MAX_SLUG = 60
_WINDOWS_RESERVED = {
    "con",
    "prn",
    "aux",
    "nul",
    *(f"com{i}" for i in range(1, 10)),
    *(f"lpt{i}" for i in range(1, 10)),
}


def slugify(title: str, fallback: str = "routine") -> str:
    """`Breast massage: after a feed` -> `breast-massage-after-a-feed`.

    ASCII letters, digits and single hyphens only, so no `/`, `..` or drive letter survives;
    at most 60 characters, cut at a word; Windows device names get a suffix. Other scripts are
    transliterated (`Массаж груди` -> `massazh-grudi`), so a Russian title keeps a name of
    its own instead of the fallback.
    """
    ascii_text = anyascii(title)
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > MAX_SLUG:
        slug = slug[:MAX_SLUG].rsplit("-", 1)[0] or slug[:MAX_SLUG]
    if not slug:
        slug = fallback
    if slug in _WINDOWS_RESERVED:
        slug += "-routine"
    return slug
