"""Safe file names from titles: never escapes the output folder, never a reserved name, and
titles in other scripts keep names of their own."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from anyascii import anyascii

MAX_SLUG = 60
HASH_CHARS = 8  # of the title's SHA-256, in hex: two titles share them 1 time in 4 billion
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
    at most 60 characters, cut at a word; Windows device names get a suffix.

    Latin letters lose their accents (`Café` -> `cafe`). Other letters and emoji are
    transliterated (`Массаж` -> `massazh`) and the name ends with a short hash of the title,
    since transliteration can give two titles one spelling (Chinese homophones, Arabic
    written without vowels). A title with nothing to spell gets `fallback` and the hash:
    different titles never share a file name.
    """
    title = unicodedata.normalize("NFC", title)
    decomposed = unicodedata.normalize("NFKD", title)
    foreign = any(ord(ch) > 127 and _spelled(ch) for ch in decomposed)
    ascii_text = anyascii(title) if foreign else decomposed.encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if foreign or not slug:
        digest = hashlib.sha256(title.encode("utf-8", "surrogatepass")).hexdigest()
        slug = f"{_cut(slug or fallback, MAX_SLUG - HASH_CHARS - 1)}-{digest[:HASH_CHARS]}"
    slug = _cut(slug, MAX_SLUG)
    if slug in _WINDOWS_RESERVED:
        slug += "-routine"
    return slug


def _spelled(char: str) -> bool:
    """Whether a character says something a file name should keep: a letter, a digit or a
    symbol such as an emoji (not an accent, a space or punctuation)."""
    return char.isalnum() or unicodedata.category(char) == "So"


def _cut(slug: str, most: int) -> str:
    if len(slug) <= most:
        return slug
    return slug[:most].rsplit("-", 1)[0] or slug[:most]
