"""Cover art: a square image with the routine's title, its steps and its length.

Phone players show it on the lock screen and in the library, so a session is recognisable
without reading a file name. Drawn with Noto Sans, installed with guidecast (the package
`fontpkg-noto-sans`): Pillow's built-in font drew boxes for é, ñ, ü and every Cyrillic letter.

A build draws it in a process of its own (`start_cover`): Pillow, its font and the image cost
the build's main process 4 to 7 MB that it would keep to the end, for one picture.
"""

from __future__ import annotations

import functools
import hashlib
import io
from pathlib import Path
from typing import TYPE_CHECKING

from guidecast.core.errors import OutputError
from guidecast.core.processes import Errand
from guidecast.language import interface

if TYPE_CHECKING:
    from PIL import ImageDraw, ImageFont

SIZE = 1000
MARGIN = 70
MAX_STEP_LINES = 9
# Calm, high-contrast pairs (background, text); one is picked from the title so each routine
# keeps its own colour from build to build.
PALETTES = (
    ((30, 58, 72), (246, 241, 231)),
    ((62, 44, 72), (247, 238, 242)),
    ((34, 64, 52), (240, 246, 236)),
    ((78, 50, 40), (250, 240, 228)),
)


@functools.cache
def font_path() -> Path:
    """Noto Sans (variable weight), from the package that ships it."""
    try:
        import fontpkg_noto_sans
    except ImportError:
        raise OutputError(
            "cannot draw the cover: its font package fontpkg-noto-sans is not installed; "
            "reinstall guidecast (or build with --no-cover)"
        ) from None
    found = sorted((fontpkg_noto_sans.ROOT / "files").glob("NotoSans[[]*.ttf"))
    if not found:
        raise OutputError(
            f"cannot draw the cover: no Noto Sans font in {fontpkg_noto_sans.ROOT / 'files'}; "
            "reinstall guidecast (or build with --no-cover)"
        )
    return found[0]


def noto(size: int, weight: str = "Regular") -> ImageFont.FreeTypeFont:
    """Noto Sans at `size` pixels, in a named weight of the variable font (Regular, Bold)."""
    from PIL import ImageFont

    try:
        loaded = ImageFont.truetype(str(font_path()), size)
    except OSError as err:
        raise OutputError(f"cannot draw the cover: cannot read {font_path()}: {err}") from None
    loaded.set_variation_by_name(weight)
    return loaded


def cover_png(title: str, step_titles: list[str], length: str, language: str = "en") -> bytes:
    """A PNG, the same bytes for the same input."""
    from PIL import Image, ImageDraw

    digest = hashlib.sha256(title.encode("utf-8")).digest()
    background, ink = PALETTES[digest[0] % len(PALETTES)]
    soft = tuple((b + 2 * i) // 3 for b, i in zip(background, ink, strict=True))
    image = Image.new("RGB", (SIZE, SIZE), background)
    draw = ImageDraw.Draw(image)
    width = SIZE - 2 * MARGIN

    title_font = noto(68, "Bold")
    y = MARGIN
    for line in _wrap(draw, title, title_font, width)[:3]:
        draw.text((MARGIN, y), line, font=title_font, fill=ink)
        y += 86
    y += 24
    draw.line((MARGIN, y, MARGIN + 180, y), fill=soft, width=6)
    y += 44

    step_font = noto(38)
    lines = [f"{number}. {step}" for number, step in enumerate(step_titles, 1)]
    if len(lines) > MAX_STEP_LINES:
        more = len(lines) - (MAX_STEP_LINES - 1)
        lines = [*lines[: MAX_STEP_LINES - 1], interface.word(language, "more_steps", count=more)]
    for line in lines:
        draw.text((MARGIN, y), _fit(draw, line, step_font, width), font=step_font, fill=soft)
        y += 54

    length_font = noto(54, "SemiBold")
    draw.text((MARGIN, SIZE - MARGIN - 64), length, font=length_font, fill=ink)
    brand_font = noto(30)
    brand = "guidecast"
    brand_width = draw.textlength(brand, font=brand_font)
    draw.text((SIZE - MARGIN - brand_width, SIZE - MARGIN - 44), brand, font=brand_font, fill=soft)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _cover_job(
    title: str, step_titles: list[str], length: str, language: str
) -> tuple[bool, bytes | str]:
    """`cover_png` in a worker: a problem comes back as its one-line message."""
    try:
        return True, cover_png(title, step_titles, length, language)
    except OutputError as err:
        return False, str(err)


class CoverDrawing:
    """The cover, drawn in a process of its own while the caller gets on with the audio. Use
    as a context manager: a drawing never collected is stopped on the way out."""

    def __init__(self, title: str, step_titles: list[str], length: str, language: str) -> None:
        self._errand = Errand(_cover_job, title, step_titles, length, language)

    def __enter__(self) -> CoverDrawing:
        return self

    def __exit__(self, *exc: object) -> None:
        self._errand.__exit__(*exc)

    def png(self) -> bytes:
        """The PNG bytes, once drawn; OutputError as `cover_png` raises it."""
        done, value = self._errand.result()
        if not done:
            raise OutputError(str(value))
        return bytes(value)


def _wrap(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int
) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if draw.textlength(trial, font=font) <= width or not current:
            current = trial
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return [_fit(draw, line, font, width) for line in lines]


def _fit(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    """The text, cut with an ellipsis if it is wider than `width`."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text.rstrip() + "…"
