"""Cover art: a square image with the routine's title, its steps and its length.

Phone players show it on the lock screen and in the library, so a session is recognisable
without reading a file name. Drawn with Pillow's built-in font: nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import io

from PIL import Image, ImageDraw, ImageFont

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


def cover_png(title: str, step_titles: list[str], length: str) -> bytes:
    """A PNG, the same bytes for the same input."""
    digest = hashlib.sha256(title.encode("utf-8")).digest()
    background, ink = PALETTES[digest[0] % len(PALETTES)]
    soft = tuple((b + 2 * i) // 3 for b, i in zip(background, ink, strict=True))
    image = Image.new("RGB", (SIZE, SIZE), background)
    draw = ImageDraw.Draw(image)
    width = SIZE - 2 * MARGIN

    title_font = ImageFont.load_default(size=72)
    y = MARGIN
    for line in _wrap(draw, title, title_font, width)[:3]:
        draw.text((MARGIN, y), line, font=title_font, fill=ink)
        y += 86
    y += 24
    draw.line((MARGIN, y, MARGIN + 180, y), fill=soft, width=6)
    y += 44

    step_font = ImageFont.load_default(size=40)
    lines = [f"{number}. {step}" for number, step in enumerate(step_titles, 1)]
    if len(lines) > MAX_STEP_LINES:
        more = len(lines) - (MAX_STEP_LINES - 1)
        lines = [*lines[: MAX_STEP_LINES - 1], f"and {more} more steps"]
    for line in lines:
        draw.text((MARGIN, y), _fit(draw, line, step_font, width), font=step_font, fill=soft)
        y += 54

    length_font = ImageFont.load_default(size=56)
    draw.text((MARGIN, SIZE - MARGIN - 64), length, font=length_font, fill=ink)
    brand_font = ImageFont.load_default(size=32)
    brand = "guidecast"
    brand_width = draw.textlength(brand, font=brand_font)
    draw.text((SIZE - MARGIN - brand_width, SIZE - MARGIN - 44), brand, font=brand_font, fill=soft)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


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
