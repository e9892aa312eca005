"""The words of the coaching cues, per language.

A routine may override any template by name under `phrases:`. Templates use `{name}` fields;
the fields each template may use are listed in `FIELDS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FIELDS: dict[str, tuple[str, ...]] = {
    "side": ("side",),
    "round": ("round", "rounds"),
    "halfway": (),
    "time_left": ("time",),
    "next_up": ("title",),
    "session_length": ("time",),
    "finished": (),
}

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def english_number(n: int) -> str:
    """Number words for 0..999, as a voice should say them ("twenty-one")."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    hundreds, rest = divmod(n, 100)
    return f"{_ONES[hundreds]} hundred" + (f" and {english_number(rest)}" if rest else "")


@dataclass(frozen=True)
class PhraseBank:
    """Everything a language needs for the cues: templates and how to say numbers and times."""

    language: str
    templates: dict[str, str]
    units: dict[str, tuple[str, str]] = field(default_factory=dict)  # unit: (one, many)

    def number(self, n: int) -> str:
        return english_number(n)

    def says(self, name: str) -> bool:
        """False when the routine turned this sentence off (`phrases: {round: ""}`)."""
        return bool(self.templates[name].strip())

    def say(self, name: str, **values: object) -> str:
        return self.templates[name].format(**values)

    def time(self, seconds: float) -> str:
        """A time as spoken: "one minute", "two minutes thirty seconds", "forty-five seconds"."""
        whole = round(seconds)
        hours, rest = divmod(whole, 3600)
        minutes, secs = divmod(rest, 60)
        parts = []
        for amount, unit in ((hours, "hour"), (minutes, "minute"), (secs, "second")):
            if amount:
                one, many = self.units[unit]
                parts.append(f"{self.number(amount)} {one if amount == 1 else many}")
        return " ".join(parts) or f"{self.number(0)} {self.units['second'][1]}"

    def with_overrides(self, overrides: dict[str, str]) -> PhraseBank:
        return PhraseBank(self.language, {**self.templates, **overrides}, self.units)


ENGLISH = PhraseBank(
    language="en",
    templates={
        "side": "Now, your {side}.",
        "round": "Round {round} of {rounds}.",
        "halfway": "Halfway.",
        "time_left": "{time} left.",
        "next_up": "Next up: {title}.",
        "session_length": "This session takes about {time}.",
        "finished": "Well done. The session is complete.",
    },
    units={
        "hour": ("hour", "hours"),
        "minute": ("minute", "minutes"),
        "second": ("second", "seconds"),
    },
)

BANKS: dict[str, PhraseBank] = {"en": ENGLISH}


def bank_for(language: str, overrides: dict[str, str] | None = None) -> PhraseBank:
    """The bank for a language tag (`en-GB` -> `en`); English when there is none yet."""
    base = BANKS.get(language.lower().split("-")[0].split("_")[0], ENGLISH)
    return base.with_overrides(overrides or {})
