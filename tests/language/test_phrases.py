"""Every cue phrase, number and time in every built-in language: against num2words, and
against strings a native speaker would say, written out by hand."""

from __future__ import annotations

import string

import pytest
from num2words import num2words

from guidecast.language import interface
from guidecast.language.phrases import (
    FIELDS,
    LANGUAGES,
    bank_for,
    default_voice,
    supported,
    unsupported_note,
)

CODES = sorted(LANGUAGES)
NUM2WORDS = {"en": "en", "es": "es", "fr": "fr", "de": "de", "pt": "pt", "it": "it", "ru": "ru"}


def test_the_seven_languages_are_built_in() -> None:
    assert CODES == ["de", "en", "es", "fr", "it", "pt", "ru"]


@pytest.mark.parametrize("code", CODES)
def test_every_template_is_there_and_uses_only_its_fields(code: str) -> None:
    bank = bank_for(code)
    assert set(bank.templates) == set(FIELDS)
    for name, fields in FIELDS.items():
        text = bank.say(name, **{f: "X" for f in fields})
        assert text.strip() and "{" not in text
        assert text.count("X") == len(fields), (code, name)


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("n", [*range(0, 61), 99, 100, 101, 121, 200])
def test_counting_words_are_num2words(code: str, n: int) -> None:
    """Counts and countdowns say the number alone: num2words' own cardinal."""
    assert bank_for(code).number(n) == num2words(n, lang=NUM2WORDS[code])


@pytest.mark.parametrize(
    ("tag", "numbers"),
    [
        ("en", ["one", "two", "three", "sixteen", "twenty-one"]),
        ("es", ["uno", "dos", "tres", "dieciséis", "veintiuno"]),
        ("fr", ["un", "deux", "trois", "seize", "vingt et un"]),
        ("de", ["eins", "zwei", "drei", "sechzehn", "einundzwanzig"]),
        ("pt", ["um", "dois", "três", "dezasseis", "vinte e um"]),
        ("pt-BR", ["um", "dois", "três", "dezesseis", "vinte e um"]),
        ("it", ["uno", "due", "tre", "sedici", "ventuno"]),
        ("ru", ["один", "два", "три", "шестнадцать", "двадцать один"]),
    ],
)
def test_counting_words_by_hand(tag: str, numbers: list[str]) -> None:
    bank = bank_for(tag)
    assert [bank.number(n) for n in (1, 2, 3, 16, 21)] == numbers


# seconds -> what a native speaker says for that time, per language.
TIMES: dict[str, dict[int, str]] = {
    "en": {
        1: "one second",
        30: "thirty seconds",
        60: "one minute",
        90: "one minute thirty seconds",
        120: "two minutes",
        3600: "one hour",
        3661: "one hour one minute one second",
    },
    "es": {
        1: "un segundo",
        21: "veintiún segundos",
        30: "treinta segundos",
        31: "treinta y un segundos",
        60: "un minuto",
        90: "un minuto y treinta segundos",
        21 * 60: "veintiún minutos",
        3600: "una hora",
        7200: "dos horas",
        21 * 3600: "veintiuna horas",
        3661: "una hora, un minuto y un segundo",
    },
    "fr": {
        1: "une seconde",
        21: "vingt et une secondes",
        30: "trente secondes",
        60: "une minute",
        90: "une minute et trente secondes",
        3600: "une heure",
        3661: "une heure, une minute et une seconde",
    },
    "de": {
        1: "eine Sekunde",
        21: "einundzwanzig Sekunden",
        30: "dreißig Sekunden",
        60: "eine Minute",
        90: "eine Minute und dreißig Sekunden",
        3600: "eine Stunde",
        3661: "eine Stunde, eine Minute und eine Sekunde",
    },
    "pt": {
        1: "um segundo",
        16: "dezasseis segundos",
        30: "trinta segundos",
        60: "um minuto",
        90: "um minuto e trinta segundos",
        3600: "uma hora",
        7200: "duas horas",
        22 * 3600: "vinte e duas horas",
        3661: "uma hora, um minuto e um segundo",
    },
    "pt-BR": {16: "dezesseis segundos", 17 * 60: "dezessete minutos", 7200: "duas horas"},
    "it": {
        1: "un secondo",
        21: "ventun secondi",
        30: "trenta secondi",
        60: "un minuto",
        90: "un minuto e trenta secondi",
        3600: "un'ora",
        7200: "due ore",
        3661: "un'ora, un minuto e un secondo",
    },
    "ru": {
        1: "одна секунда",
        2: "две секунды",
        5: "пять секунд",
        11: "одиннадцать секунд",
        21: "двадцать одна секунда",
        22: "двадцать две секунды",
        30: "тридцать секунд",
        60: "одна минута",
        90: "одна минута и тридцать секунд",
        3600: "один час",
        7200: "два часа",
        5 * 3600: "пять часов",
        3661: "один час, одна минута и одна секунда",
    },
}


@pytest.mark.parametrize(
    ("tag", "seconds", "spoken"),
    [(tag, s, text) for tag, table in TIMES.items() for s, text in table.items()],
)
def test_times_in_words(tag: str, seconds: int, spoken: str) -> None:
    assert bank_for(tag).time(seconds) == spoken


# What each cue says, written out as a native speaker would say it.
CUES: dict[str, dict[str, str]] = {
    "en": {
        "side": "Now, your left side.",
        "round": "Round two of three.",
        "halfway": "Halfway.",
        "time_left": "One minute thirty seconds left.",
        "next_up": "Next up: Rest.",
        "session_length": "This session takes about seven minutes.",
        "finished": "Well done. The session is complete.",
    },
    "es": {
        "side": "Ahora, lado izquierdo.",
        "round": "Ronda dos de tres.",
        "halfway": "Vas por la mitad.",
        "time_left": "Un minuto y treinta segundos para terminar.",
        "next_up": "A continuación: Rest.",
        "session_length": "Esta sesión dura alrededor de siete minutos.",
        "finished": "Muy bien. Has terminado la sesión.",
    },
    "fr": {
        "side": "Maintenant, lado izquierdo.",
        "round": "Tour deux sur trois.",
        "halfway": "Vous êtes à mi-parcours.",
        "time_left": "Encore une minute et trente secondes.",
        "next_up": "Ensuite : Rest.",
        "session_length": "Cette séance dure environ sept minutes.",
        "finished": "Bravo. La séance est terminée.",
    },
    "de": {
        "side": "Jetzt: lado izquierdo.",
        "round": "Runde zwei von drei.",
        "halfway": "Die Hälfte ist geschafft.",
        "time_left": "Noch eine Minute und dreißig Sekunden.",
        "next_up": "Als Nächstes: Rest.",
        "session_length": "Diese Einheit dauert etwa sieben Minuten.",
        "finished": "Gut gemacht. Die Einheit ist zu Ende.",
    },
    "pt": {
        "side": "Agora, lado izquierdo.",
        "round": "Ciclo dois de três.",
        "halfway": "Metade do tempo já passou.",
        "time_left": "Só mais um minuto e trinta segundos.",
        "next_up": "A seguir: Rest.",
        "session_length": "Esta sessão dura cerca de sete minutos.",
        "finished": "Muito bem. A sessão terminou.",
    },
    "it": {
        "side": "Ora, lado izquierdo.",
        "round": "Giro due di tre.",
        "halfway": "Sei a metà.",
        "time_left": "Ancora un minuto e trenta secondi.",
        "next_up": "Prossimo passaggio: Rest.",
        "session_length": "Questa sessione dura circa sette minuti.",
        "finished": "Ben fatto. La sessione è finita.",
    },
    "ru": {
        "side": "Теперь lado izquierdo.",
        "round": "Круг два из трёх.",
        "halfway": "Половина позади.",
        "time_left": "Ещё одна минута и тридцать секунд.",
        "next_up": "Дальше: Rest.",
        "session_length": "Это занятие длится примерно семь минут.",
        "finished": "Отлично. Занятие окончено.",
    },
}


@pytest.mark.parametrize("tag", sorted(CUES))
def test_every_cue_as_spoken(tag: str) -> None:
    bank = bank_for(tag)
    side = "your left side" if tag == "en" else "lado izquierdo"
    said = {
        "side": bank.say("side", side=side.removeprefix("your ")),
        "round": bank.round_line(2, 3),
        "halfway": bank.say("halfway"),
        "time_left": bank.time_left(90),
        "next_up": bank.say("next_up", title="Rest"),
        "session_length": bank.session_length(7 * 60 + 10),
        "finished": bank.say("finished"),
    }
    assert said == CUES[tag]


@pytest.mark.parametrize(
    ("tag", "seconds", "line"),
    [
        ("ru", 60, "Это занятие длится примерно одну минуту."),  # accusative after "длится"
        ("ru", 21 * 60, "Это занятие длится примерно двадцать одну минуту."),
        ("ru", 22 * 60, "Это занятие длится примерно двадцать две минуты."),
        ("es", 21 * 60, "Esta sesión dura alrededor de veintiún minutos."),
        ("es", 3600, "Esta sesión dura alrededor de una hora."),
        ("it", 3600, "Questa sessione dura circa un'ora."),
        ("de", 40, "Diese Einheit dauert etwa vierzig Sekunden."),  # short: to ten seconds
    ],
)
def test_session_length_agrees(tag: str, seconds: int, line: str) -> None:
    assert bank_for(tag).session_length(seconds) == line


@pytest.mark.parametrize(
    ("tag", "line"),
    [
        ("ru", "Круг один из двух."),  # "из" takes the genitive
        ("es", "Ronda uno de dos."),  # a number on its own: "uno", not "un"
        ("de", "Runde eins von zwei."),
        ("it", "Giro uno di due."),
    ],
)
def test_first_round_of_two(tag: str, line: str) -> None:
    assert bank_for(tag).round_line(1, 2) == line


def test_russian_round_of_five_and_more_is_genitive_plural() -> None:
    assert bank_for("ru").round_line(3, 5) == "Круг три из пяти."


@pytest.mark.parametrize(
    ("tag", "base"),
    [("es-MX", "es"), ("es_ES", "es"), ("fr-CA", "fr"), ("de-AT", "de"), ("it-CH", "it")],
)
def test_regional_tags_fall_back_to_the_base_language(tag: str, base: str) -> None:
    regional, plain = bank_for(tag), bank_for(base)
    assert regional.templates == plain.templates
    assert [regional.time(s) for s in (1, 61, 3725)] == [plain.time(s) for s in (1, 61, 3725)]


def test_regions_that_differ_keep_their_own() -> None:
    assert bank_for("fr-BE").number(71) == "septante et un"
    assert bank_for("fr").number(71) == "soixante et onze"
    assert bank_for("pt-BR").number(19) == "dezenove" != bank_for("pt").number(19)


@pytest.mark.parametrize(
    ("tag", "voice"),
    [
        ("en", "gmw/en-us"),
        ("en-GB", "gmw/en"),
        ("es", "roa/es"),
        ("es-ES", "roa/es"),
        ("es-MX", "roa/es-419"),
        ("es-419", "roa/es-419"),
        ("fr", "roa/fr"),
        ("de", "gmw/de"),
        ("pt", "roa/pt"),
        ("pt-BR", "roa/pt-br"),
        ("it", "roa/it"),
        ("ru", "zle/ru"),
        ("nl", None),
    ],
)
def test_default_voices(tag: str, voice: str | None) -> None:
    assert default_voice(tag) == voice


def test_an_unknown_language_is_named_with_the_ones_there_are() -> None:
    assert supported("es-MX") and not supported("nl")
    note = unsupported_note("nl")
    assert note is not None
    assert "'nl'" in note and "de, en, es, fr, it, pt, ru" in note
    assert unsupported_note("ru") is None
    assert bank_for("nl").say("halfway") == "Halfway."  # English, as the note says


def test_partial_overrides_keep_the_rest_of_the_language() -> None:
    bank = bank_for("es", {"halfway": "¡Mitad!"})
    assert bank.say("halfway") == "¡Mitad!"
    assert bank.time_left(30) == "Treinta segundos para terminar."
    over = bank_for("ru", {"round": "Подход {round} из {rounds}."})
    assert over.round_line(2, 4) == "Подход два из четырёх."


def fields_of(text: str) -> list[str]:
    return sorted(name for _, name, _, _ in string.Formatter().parse(text) if name)


@pytest.mark.parametrize("code", CODES)
def test_every_language_has_every_interface_word(code: str) -> None:
    english = interface.words("en")
    own = LANGUAGES[code].interface
    assert set(own) == set(english), set(english) ^ set(own)
    for key, text in own.items():
        assert text.strip()
        assert fields_of(text) == fields_of(english[key]), (code, key)
    if code != "en":  # only words both languages spell alike may be English
        same = {key for key, text in own.items() if text == english[key]}
        assert same <= {"introduction", "pause", "minute_forms", "enter_key", "player"}, same


def test_interface_words_follow_the_region() -> None:
    assert "tela" in interface.word("pt-BR", "wake_on")
    assert "ecrã" in interface.word("pt", "wake_on")
    assert interface.word("es-MX", "step_of", step=1, steps=4) == "paso 1 de 4"
    assert interface.word("nl", "step_of", step=1, steps=4) == "step 1 of 4"
    assert interface.html_lang("pt_br") == "pt-BR" and interface.html_lang(None) == "en"
    assert [interface.id3_language(t) for t in ("es-MX", "de", "ru", "xx")] == [
        "spa",
        "deu",
        "rus",
        "und",
    ]
