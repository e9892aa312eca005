"""The words of the coaching cues, per language.

A routine may override any template by name under `phrases:`. Templates use `{name}` fields;
the fields each template may use are listed in `FIELDS`. Numbers and times are filled in by
the bank, in the routine's language (num2words, with each language's agreement: `numbers.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from guidecast.language import de, en, es, fr, it, pt, ru
from guidecast.language.numbers import NOMINATIVE, cardinal, counted
from guidecast.language.spec import Language

FIELDS: dict[str, tuple[str, ...]] = {
    "side": ("side",),
    "round": ("round", "rounds"),
    "halfway": (),
    "time_left": ("time",),
    "next_up": ("title",),
    "session_length": ("time",),
    "finished": (),
    # An open step in `guidecast play`, once its words are said (script/cues.py, `waiting`):
    # with keys only, and with --listen (the command words are English: language/commands.py).
    "waiting": (),
    "waiting_listen": (),
}

LANGUAGES: dict[str, Language] = {m.LANGUAGE.code: m.LANGUAGE for m in (en, es, fr, de, pt, it, ru)}
ENGLISH_LANGUAGE = LANGUAGES["en"]


def normalized(tag: str) -> str:
    """`pt_BR` and `PT-br` -> `pt-br`."""
    return tag.replace("_", "-").lower()


def language_of(tag: str) -> Language | None:
    """The built-in language of a tag (`es-MX` -> Spanish), or None."""
    return LANGUAGES.get(normalized(tag).split("-")[0])


def supported(tag: str) -> bool:
    return language_of(tag) is not None


def unsupported_note(tag: str) -> str | None:
    """What a build says of a language it has no phrases for (None when it has them)."""
    if supported(tag):
        return None
    return (
        f"language {tag!r} has no built-in cue phrases (built in: {', '.join(sorted(LANGUAGES))}): "
        "numbers, times and every cue phrase the routine does not set under phrases: are English"
    )


def default_voice(tag: str) -> str | None:
    """The espeak-ng voice that speaks a tag: the region's own, else the language's."""
    language = language_of(tag)
    if language is None:
        return None
    tag = normalized(tag)
    if tag in language.regions:
        return language.regions[tag][1]
    if tag != language.code and language.other_regions_voice:
        return language.other_regions_voice
    return language.voice


def voice_table() -> dict[str, str]:
    """Every tag with a default voice of its own (`es-*`: any region not listed)."""
    table: dict[str, str] = {}
    for language in LANGUAGES.values():
        table[language.code] = language.voice
        table.update((tag, voice) for tag, (_, voice) in language.regions.items())
        if language.other_regions_voice:
            table[f"{language.code}-*"] = language.other_regions_voice
    return table


@dataclass(frozen=True)
class PhraseBank:
    """Everything a language needs for the cues: templates and how to say numbers and times."""

    language: Language
    templates: dict[str, str]
    numbers: str = "en"  # num2words' code: the region's, where its numbers differ (pt_BR)
    overridden: frozenset[str] = field(default_factory=frozenset)

    @property
    def code(self) -> str:
        return self.language.code

    def number(self, n: int) -> str:
        """A number said on its own, as in a count or a countdown: "uno", "eins", "один"."""
        return cardinal(n, self.numbers)

    def says(self, name: str) -> bool:
        """False when the routine turned this sentence off (`phrases: {round: ""}`)."""
        return bool(self.templates[name].strip())

    def say(self, name: str, **values: object) -> str:
        return self.templates[name].format(**values)

    def time(self, seconds: float, case: str = NOMINATIVE) -> str:
        """A time as spoken: "two minutes thirty seconds", "un minuto y treinta segundos"."""
        whole = round(seconds)
        hours, rest = divmod(whole, 3600)
        minutes, secs = divmod(rest, 60)
        language = self.language
        parts = [
            counted(amount, language.units[unit], self.numbers, language.plural_rule, case)
            for amount, unit in ((hours, "hour"), (minutes, "minute"), (secs, "second"))
            if amount
        ]
        if not parts:
            return counted(0, language.units["second"], self.numbers, language.plural_rule, case)
        if not language.and_word or len(parts) == 1:
            return " ".join(parts)
        return f"{', '.join(parts[:-1])} {language.and_word} {parts[-1]}"

    def _case(self, template: str, name: str) -> str:
        return self.language.cases.get((template, name), NOMINATIVE)

    def time_left(self, seconds: float) -> str:
        """ "Thirty seconds left.", "Noch eine Minute.": capitalised, as a sentence starts."""
        spoken = self.say("time_left", time=self.time(seconds, self._case("time_left", "time")))
        return spoken[:1].upper() + spoken[1:]

    def session_length(self, seconds: float) -> str:
        """The intro's sentence of how long the session lasts, as people say it: to the
        minute, or to ten seconds when short."""
        about = round(seconds / 60) * 60 if seconds >= 90 else max(10, round(seconds / 10) * 10)
        time = self.time(about, self._case("session_length", "time"))
        spoken = self.say("session_length", time=time)
        return spoken[:1].upper() + spoken[1:]

    def round_line(self, number: int, rounds: int) -> str:
        """ "Round two of three.", "Круг два из трёх.": each number in its template's case."""
        return self.say(
            "round",
            round=cardinal(number, self.numbers, case=self._case("round", "round")),
            rounds=cardinal(rounds, self.numbers, case=self._case("round", "rounds")),
        )

    def with_overrides(self, overrides: dict[str, str]) -> PhraseBank:
        return PhraseBank(
            self.language,
            {**self.templates, **overrides},
            self.numbers,
            self.overridden | frozenset(overrides),
        )


def bank_for(language: str, overrides: dict[str, str] | None = None) -> PhraseBank:
    """The bank for a language tag (`es-MX` -> Spanish, `pt-BR` -> Brazilian numbers); English
    when guidecast has no phrases for the language (`unsupported_note` says so)."""
    found = language_of(language) or ENGLISH_LANGUAGE
    numbers = found.numbers
    region = found.regions.get(normalized(language))
    if region is not None:
        numbers = region[0]
    return PhraseBank(found, dict(found.templates), numbers).with_overrides(overrides or {})


ENGLISH = bank_for("en")
BANKS: dict[str, PhraseBank] = {code: bank_for(code) for code in LANGUAGES}
