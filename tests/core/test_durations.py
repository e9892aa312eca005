"""Durations as people write them, how they are shown, and safe file names from titles."""

from __future__ import annotations

import math
import re
import unicodedata
from pathlib import Path

import pytest

from guidecast.core.durations import (
    DurationSyntaxError,
    TimeRange,
    format_duration,
    format_length,
    format_position,
    parse_duration,
    parse_time_range,
)
from guidecast.core.names import MAX_SLUG, slugify

EXPECTED = "a duration such as 45, 45s, 1m30s, 2 min or 1.5m"

GOOD_DURATIONS = [
    (45, 45.0),
    (45.5, 45.5),
    ("45", 45.0),
    ("45s", 45.0),
    ("1m30s", 90.0),
    ("1m30", 90.0),
    ("2 min", 120.0),
    ("2 MIN", 120.0),
    ("1.5m", 90.0),
    (".5m", 30.0),
    ("90 sec", 90.0),
    ("2 mins 5 secs", 125.0),
    ("3 minutes", 180.0),
    ("1h", 3600.0),
    ("1 hour", 3600.0),
    ("1 h 30 min", 5400.0),
    ("1h0m0s", 3600.0),
    ("  45s  ", 45.0),
    ("24h", 86400.0),
    (86400, 86400.0),
]


@pytest.mark.parametrize(("text", "seconds"), GOOD_DURATIONS, ids=repr)
def test_parse_duration(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(("text", "seconds"), GOOD_DURATIONS, ids=repr)
def test_a_single_duration_is_an_exact_range(text: object, seconds: float) -> None:
    assert parse_time_range(text) == TimeRange(seconds, seconds)


BAD_DURATIONS = [
    (0, "a duration must be more than zero"),
    (-1, "a duration must be more than zero"),
    ("0s", "a duration must be more than zero"),
    ("0.0", "a duration must be more than zero"),
    ("-5s", "a duration must be more than zero"),
    ("-5", "a duration must be more than zero"),
    (math.nan, f"expected {EXPECTED}, got nan"),
    (math.inf, f"expected {EXPECTED}, got inf"),
    ("25h", "'25h' is longer than 24 hours"),
    (86401, "86401 is longer than 24 hours"),
    ("", f"expected {EXPECTED}, got an empty string"),
    ("   ", f"expected {EXPECTED}, got an empty string"),
    ("abc", f"'abc' is not {EXPECTED}"),
    ("m", f"'m' is not {EXPECTED}"),
    ("30 45", f"'30 45' is not {EXPECTED}"),
    ("1..5m", f"'1..5m' is not {EXPECTED}"),
    ("45 s s", f"'45 s s' is not {EXPECTED}"),
    ("5-", f"'5-' is not {EXPECTED}"),
    ("5 parsecs", "unknown unit 'parsecs' in '5 parsecs': use h, m, min or s"),
    ("1e3", "unknown unit 'e' in '1e3': use h, m, min or s"),
    ("1m 2m", "'1m 2m' names the same unit twice"),
    ("1m 60s 1m", "'1m 60s 1m' names the same unit twice"),
    (True, f"expected {EXPECTED}"),
    (None, f"expected {EXPECTED}"),
    ([1], f"expected {EXPECTED}"),
]


@pytest.mark.parametrize("parse", [parse_duration, parse_time_range], ids=lambda f: f.__name__)
@pytest.mark.parametrize(("text", "message"), BAD_DURATIONS, ids=repr)
def test_bad_durations(parse: object, text: object, message: str) -> None:
    with pytest.raises(DurationSyntaxError) as err:
        parse(text)  # type: ignore[operator]
    assert str(err.value) == message


def test_parse_duration_takes_no_range() -> None:
    with pytest.raises(DurationSyntaxError) as err:
        parse_duration("5-7 min")
    assert str(err.value) == f"'5-7 min' is not {EXPECTED}"


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("5-7 min", 300.0, 420.0),
        ("5 - 7 min", 300.0, 420.0),
        ("5 to 7 min", 300.0, 420.0),
        ("5–7 min", 300.0, 420.0),  # an en dash, as word processors write it
        ("30s-1m", 30.0, 60.0),
        ("1m-90s", 60.0, 90.0),
        ("5-7", 5.0, 7.0),
        ("1-2h", 3600.0, 7200.0),
        ("1.5-2.5m", 90.0, 150.0),
        ("45-45s", 45.0, 45.0),
    ],
    ids=repr,
)
def test_parse_time_range(text: str, low: float, high: float) -> None:
    parsed = parse_time_range(text)
    assert parsed == TimeRange(low, high)
    assert parsed.is_range == (high > low)
    assert parsed.middle == (low + high) / 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("7-5 min", "range '7-5 min' runs backwards: the shorter time comes first"),
        ("1m-30", "range '1m-30' runs backwards: the shorter time comes first"),
        ("0-5m", "a duration must be more than zero"),
        ("-5-7 min", "a duration must be more than zero"),
        ("1h-25h", "'1h-25h' is longer than 24 hours"),
        ("30s-24h1s", "'30s-24h1s' is longer than 24 hours"),
        ("5-7 parsecs", "unknown unit 'parsecs' in '7 parsecs': use h, m, min or s"),
        ("30s-1m-2m", f"'1m-2m' is not {EXPECTED}"),
        ("2m30s-3m", f"'2m30s-3m' is not {EXPECTED}"),
    ],
    ids=repr,
)
def test_parse_time_range_bad_ranges(text: str, message: str) -> None:
    with pytest.raises(DurationSyntaxError) as err:
        parse_time_range(text)
    assert str(err.value) == message


@pytest.mark.parametrize(
    ("value", "text"),
    [(TimeRange(45, 45), "45s"), (TimeRange(300, 420), "5m-7m"), (TimeRange(30, 90), "30s-1m30s")],
    ids=repr,
)
def test_time_range_str(value: TimeRange, text: str) -> None:
    assert str(value) == text


@pytest.mark.parametrize(
    ("seconds", "short", "clock"),
    [
        (0, "0s", "0:00"),
        (0.5, "0.5s", "0:01"),
        (9.5, "9.5s", "0:10"),
        (10, "10s", "0:10"),
        (10.4, "11s", "0:11"),
        (4.000001, "4s", "0:04"),  # a manifest's microseconds do not add a second
        (1217.2, "20m18s", "20:18"),
        (1217.5, "20m18s", "20:18"),
        (45, "45s", "0:45"),
        (59.6, "1m", "1:00"),
        (60, "1m", "1:00"),
        (90, "1m30s", "1:30"),
        (119.5, "2m", "2:00"),
        (3600, "1h", "1:00:00"),
        (3661, "1h1m1s", "1:01:01"),
        (3900, "1h5m", "1:05:00"),
        (86400, "24h", "24:00:00"),
    ],
    ids=repr,
)
def test_format_duration_and_length(seconds: float, short: str, clock: str) -> None:
    """One rule for a length shown: whole seconds, rounded up."""
    assert format_duration(seconds) == short
    assert format_length(seconds) == clock


@pytest.mark.parametrize(
    ("seconds", "clock"),
    [(0, "0:00"), (0.999, "0:01"), (0.5, "0:00"), (61.9, "1:01"), (3599.9999, "1:00:00")],
)
def test_format_position_rounds_down(seconds: float, clock: str) -> None:
    assert format_position(seconds) == clock


@pytest.mark.parametrize("total", [4.0, 7.2, 442.5, 1217.0001, 28800.3])
def test_time_left_at_the_start_is_the_length_and_ends_at_zero(total: float) -> None:
    assert format_length(total - 0.0) == format_length(total)
    assert format_length(0.0) == "0:00"
    assert format_length(0.01) == "0:01"  # never 0:00 while something is still to come


def test_format_duration_just_under_ten_seconds() -> None:
    assert format_duration(9.96) == "10s"


@pytest.mark.parametrize("seconds", [1, 0.5, 45, 90, 125, 3600, 5400, 86400], ids=lambda s: f"{s}s")
def test_format_duration_reads_back(seconds: float) -> None:
    assert parse_duration(format_duration(seconds)) == seconds


# --- file names from titles -----------------------------------------------------------------

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10))}
RESERVED |= {f"lpt{i}" for i in range(1, 10)}


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Breast massage: after a feed", "breast-massage-after-a-feed"),
        ("  Hello   World  ", "hello-world"),
        ("a--b", "a-b"),
        ("Step 1: 5 min", "step-1-5-min"),
        # paths never survive: no separators, no dots, no drive letters
        ("../../etc/passwd", "etc-passwd"),
        ("/etc/passwd", "etc-passwd"),
        ("..\\..\\Windows\\win.ini", "windows-win-ini"),
        ("C:\\Windows\\System32", "c-windows-system32"),
        ("\\\\server\\share", "server-share"),
        ("~/.ssh/id_rsa", "ssh-id-rsa"),
        ("/", "routine-8a5edab2"),
        ("..", "routine-5ec1f7e7"),
        (".", "routine-cdb4ee2a"),
        # Windows device names get a suffix, whatever their case or punctuation
        ("CON", "con-routine"),
        ("con", "con-routine"),
        ("Nul", "nul-routine"),
        ("aux!", "aux-routine"),
        ("COM1", "com1-routine"),
        ("LPT9", "lpt9-routine"),
        ("com10", "com10"),
        ("CON.txt", "con-txt"),
        # Latin letters: accents dropped, compatibility forms unfolded
        ("Massage für Mütter", "massage-fur-mutter"),
        ("Café crème", "cafe-creme"),
        ("ﬁve ﬂowers", "five-flowers"),
        ("①②③", "123"),
        # other scripts and emoji: transliterated, with a hash of the title
        ("日本語のマッサージ", "ribenyunomatsaji-9ad2b694"),
        ("Массаж", "massazh-63f4e707"),
        ("Массаж груди после кормления", "massazh-grudi-posle-kormleniya-09dbe413"),
        ("Μασάζ", "masaz-a038e6d0"),
        ("تدليك الثدي", "tdlyk-lthdy-ca94ea31"),
        ("Straße", "strasse-58a3778c"),
        ("Feeding \U0001f469\u200d\U0001f37c", "feeding-woman-baby-bottle-836c7ccb"),
        # nothing left to spell: the fallback, with the hash
        ("", "routine-e3b0c442"),
        ("   ", "routine-0aad7da7"),
        ("!!!", "routine-e84c538e"),
        ("-", "routine-3973e022"),
        ("★☆", "routine-ee9983f5"),
    ],
    ids=repr,
)
def test_slugify(title: str, slug: str) -> None:
    assert slugify(title) == slug


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("a" * 100, "a" * MAX_SLUG),  # one long word: cut hard
        ("word " * 30, "-".join(["word"] * 12)),  # cut at a word, never mid-word
        ("abc-" * 20, "-".join(["abc"] * 15)),
        ("x" * MAX_SLUG, "x" * MAX_SLUG),
    ],
    ids=lambda v: repr(v)[:24],
)
def test_slugify_long_titles(title: str, slug: str) -> None:
    assert slugify(title) == slug


def test_slugify_fallback() -> None:
    assert slugify("???", fallback="session") == "session-a03b221c"
    assert slugify("→ * ?", fallback="massage") == "massage-5a24baa5"
    assert slugify("Массаж", fallback="massage") == "massazh-63f4e707"  # spelled: no fallback


DISTINCT_TITLES = [
    *("Массаж груди", "Массаж спины", "Масаж", "Μασάζ στήθους", "Μασάζ πλάτης"),
    *("تدليك الثدي", "تدليك الظهر", "עיסוי", "マッサージ", "授乳のあとに", "授乳の前に"),
    *("妈妈", "麻麻", "按摩", "मालिश", "ម៉ាស្សា", "마사지", "ნიღაბი"),
    *("★", "☆", "★☆", "→", "!!!", "???", "\U0001f476", "\U0001f469\u200d\U0001f37c"),
    *("Massage \U0001f476", "Massage \U0001f469", "Straße", "Strasse"),
]


def test_different_titles_never_share_a_file_name() -> None:
    slugs = [slugify(title) for title in DISTINCT_TITLES]
    assert len(set(slugs)) == len(slugs), sorted(slugs)
    for slug in slugs:
        assert SLUG.match(slug) and len(slug) <= MAX_SLUG and slug not in RESERVED, slug


def test_a_title_always_gets_the_same_name() -> None:
    # NFC and NFD spellings of one title are one title.
    assert slugify("Μασάζ") == slugify(unicodedata.normalize("NFD", "Μασάζ"))
    assert slugify("Массаж груди " * 10) == slugify("Массаж груди " * 10)
    assert len(slugify("Массаж груди " * 10)) <= MAX_SLUG


@pytest.mark.parametrize(
    "title",
    [
        "../../etc/passwd",
        "/abs/path",
        "C:\\x",
        "CON",
        "a" * 500,
        "Массаж",
        "",
        "\0\n\t",
        "e\u0301\u200b\u202e",
    ],
    ids=repr,
)
def test_slug_is_always_a_safe_name_inside_its_folder(title: str, tmp_path: Path) -> None:
    slug = slugify(title)
    assert SLUG.match(slug)
    assert len(slug) <= MAX_SLUG
    assert slug not in RESERVED
    target = (tmp_path / f"{slug}.mp3").resolve()
    assert target.parent == tmp_path.resolve()
