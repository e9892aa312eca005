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


# num2words' own folder, imported under a name of ours: `import num2words` builds the
# converters of all its 56 languages (3.7 MB in the build's process), a session speaks one.
_ALONE = "guidecast.language.num2words_alone"


def num2words(n: int, lang: str = "en", **options: Any) -> str:
    """num2words' cardinal of `n` in `lang`, with its options (Russian gender, case...)."""
    return _converter(lang).to_cardinal(n, **options)


@functools.cache
def _converter(code: str) -> Any:
    """num2words' converter for `code`, found as num2words finds it (the whole code, else its
    first two letters), loaded without the others. Imported on first use: speech workers read
    this package for default voices only."""
    import importlib
    import importlib.util
    import sys
    import types

    if _ALONE not in sys.modules:
        spec = importlib.util.find_spec("num2words")  # finds, does not import
        if spec is None or not spec.submodule_search_locations:
            raise ModuleNotFoundError("No module named 'num2words'", name="num2words")
        package = types.ModuleType(_ALONE)
        package.__path__ = list(spec.submodule_search_locations)
        sys.modules[_ALONE] = package
    for name in dict.fromkeys((code.upper(), code[:2].upper())):
        try:
            module = importlib.import_module(f"{_ALONE}.lang_{name}")
        except ModuleNotFoundError as error:
            if error.name != f"{_ALONE}.lang_{name}":
                raise
            continue
        return getattr(module, f"Num2Word_{name}")()
    raise NotImplementedError(f"num2words has no language {code!r}")


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
