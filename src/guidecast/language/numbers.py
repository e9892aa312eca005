"""Numbers in words, as a voice says them: num2words spells, each language's grammar agrees.

A number said alone (a count, a countdown) is num2words' cardinal. A number before a noun
takes the noun's gender and case: Spanish "un minuto" but "una hora", "veintiún minutos";
French "une minute"; German "eine Minute"; Portuguese "duas horas"; Italian "un minuto",
"ventun secondi"; Russian "одна минута", "две секунды", accusative "одну минуту".
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from guidecast.language.spec import Unit

NOMINATIVE, ACCUSATIVE, GENITIVE = "nominative", "accusative", "genitive"


def num2words(n: int, **options: Any) -> str:
    # Imported on first use: speech workers read this package for default voices only, and a
    # worker's start-up (before it ignores Ctrl-C) should not pay for num2words' 40 languages.
    from num2words import num2words as spell

    return spell(n, **options)


# Kept: every layout of a session asks for its countdown's numbers again at every step (an
# 8-hour session's three layouts before `play` says its first word: 43,000 calls, 1.0 s).
@functools.lru_cache(maxsize=4096)
def cardinal(n: int, code: str, gender: str | None = None, case: str = NOMINATIVE) -> str:
    """`n` in words in the num2words language `code` ("pt_BR" included): said on its own
    (counting: "uno", "eins"), or agreeing with a noun of `gender` ("un", "eine")."""
    if code == "ru":
        # Counted things here are never alive: accusative "две минуты", not "двух".
        return num2words(n, lang="ru", gender=gender or "m", case=case, animate=False)
    words = num2words(n, lang=code)
    return words if gender is None else _AGREE.get(code.split("_")[0], _plain)(words, n, gender)


def plural_index(n: int, rule: str) -> int:
    """Which of a noun's forms follows `n`: 0 one, 1 many (or, Slavic: 0 one, 1 few, 2 many)."""
    if rule == "slavic":
        if n % 10 == 1 and n % 100 != 11:
            return 0
        if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
            return 1
        return 2
    return 0 if n == 1 else 1


def counted(n: int, unit: Unit, code: str, rule: str, case: str = NOMINATIVE) -> str:
    """`n` of a unit: "treinta segundos", "одну минуту", "un'ora"."""
    if n == 1 and unit.one is not None:
        return unit.one
    forms = unit.accusative if case == ACCUSATIVE and unit.accusative else unit.forms
    return f"{cardinal(n, code, unit.gender, case)} {forms[plural_index(n, rule)]}"


def _plain(words: str, n: int, gender: str) -> str:
    return words


def _spanish(words: str, n: int, gender: str) -> str:
    # Before a noun, "uno" loses its o (un minuto, veintiún minutos) or agrees (una hora).
    if gender == "f":
        return re.sub(r"uno$", "una", words)
    return re.sub(r"uno$", "ún", words) if words.endswith("iuno") else re.sub(r"uno$", "un", words)


def _french(words: str, n: int, gender: str) -> str:
    return re.sub(r"\bun$", "une", words) if gender == "f" else words


def _german(words: str, n: int, gender: str) -> str:
    return ("eine" if gender == "f" else "ein") if n == 1 else words


def _portuguese(words: str, n: int, gender: str) -> str:
    if gender != "f":
        return words
    return re.sub(r"\bdois$", "duas", re.sub(r"\bum$", "uma", words))


def _italian(words: str, n: int, gender: str) -> str:
    if n == 1 and gender == "f":
        return "una"
    return re.sub(r"uno$", "un", words)  # un minuto, ventun secondi


_AGREE: dict[str, Callable[[str, int, str], str]] = {
    "es": _spanish,
    "fr": _french,
    "de": _german,
    "pt": _portuguese,
    "it": _italian,
}
