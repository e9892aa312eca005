"""The words around the speech, in the routine's language: chapter titles, the player page, the
terminal view of `guidecast play`, the cover. English fills any word a language lacks."""

from __future__ import annotations

from guidecast.language.phrases import ENGLISH_LANGUAGE, language_of, normalized


def words(tag: str | None) -> dict[str, str]:
    """Every interface string for a language tag (`pt-BR` takes Brazil's where they differ)."""
    language = language_of(tag or "en")
    table = dict(ENGLISH_LANGUAGE.interface)
    if language is not None:
        table.update(language.interface)
        table.update(language.region_interface.get(normalized(tag or ""), {}))
    return table


def word(tag: str | None, key: str, **values: object) -> str:
    """One interface string, its `{fields}` filled: `word("es", "step_of", step=1, steps=4)`."""
    return words(tag)[key].format(**values)


def html_lang(tag: str | None) -> str:
    """The tag for an HTML `lang` attribute: `es`, `pt-BR` (BCP 47 case)."""
    parts = (tag or "en").replace("_", "-").split("-")
    return "-".join([parts[0].lower(), *(p.upper() if len(p) == 2 else p for p in parts[1:])])


def id3_language(tag: str | None) -> str:
    """The ISO 639-2 code ID3 lyrics and comment frames carry: `spa` for `es-MX`."""
    language = language_of(tag or "en")
    return language.iso639_2 if language is not None else "und"
