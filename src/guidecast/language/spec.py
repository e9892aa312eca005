"""What guidecast knows of one language: its cue templates, its time units, its interface words.

Each built-in language is a module of this package (`en.py`, `es.py`, ...) holding one
`Language`. Numbers are never listed there: num2words spells them (`numbers.py`), and each
language's grammar for a number before a noun (gender, case, short forms) lives beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Unit:
    """A unit of time as a language says it after a number.

    `forms` are the noun's plural forms in the order `numbers.plural_index` picks them (one and
    many for most languages; one, few and many for Russian); `accusative` replaces them where a
    template needs that case (Russian "займёт одну минуту"). `one` is the whole phrase for
    exactly one when it is not number + noun (Italian "un'ora").
    """

    forms: tuple[str, ...]
    gender: str = "m"  # m or f: which form a number takes before the noun
    accusative: tuple[str, ...] = ()
    one: str | None = None


@dataclass(frozen=True)
class Language:
    """One built-in language. Templates use the fields of `phrases.FIELDS`."""

    code: str  # the base tag: es
    name: str  # the language's own name for itself: español
    numbers: str  # num2words' language code
    voice: str  # the espeak-ng voice for the base tag
    iso639_2: str  # the three-letter code ID3 frames carry (USLT, SYLT, COMM)
    templates: dict[str, str]
    units: dict[str, Unit]  # hour, minute, second
    and_word: str  # joins the last two parts of a time: "un minuto y treinta segundos"
    interface: dict[str, str]  # the words around the speech: chapters, page, view, cover
    # Regional tags that speak or spell differently: tag -> (num2words code, espeak voice).
    regions: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Interface words that differ in a region (Brazilian "tela", European "ecrã").
    region_interface: dict[str, dict[str, str]] = field(default_factory=dict)
    # The voice for any other region of the language (Spanish outside Spain: es-419).
    other_regions_voice: str | None = None
    # Grammatical case of a template's field, where a language needs one (Russian "из трёх").
    cases: dict[tuple[str, str], str] = field(default_factory=dict)
    plural_rule: str = "one-other"  # or "slavic"
