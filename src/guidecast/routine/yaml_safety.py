"""YAML made safe to read: size, encoding, nesting and alias-expansion limits, and YAML's own
errors turned into one-line problems with their line and column.

Every document is composed with `PlainLoader` (a safe loader), never constructed into objects.
"""

import unicodedata
from pathlib import Path

import yaml
from yaml.nodes import Node

from guidecast.core.errors import Problem, RoutineError

MAX_FILE_BYTES = 1024 * 1024  # a routine is a few KB; anything near this is not one
# Values that aliases (*name) may add to a document, beyond the values written out: stops
# "billion laughs" documents. Only what aliases add counts: 2,000 steps written out are about
# 100,000 values, and bounded by the file's size. A 2,000-step routine that reuses a cue
# mapping of ten values in every step adds 20,000.
MAX_ALIAS_VALUES = 100_000
MAX_DEPTH = 50  # lists and mappings inside each other; a routine needs about eight

STR_TAG = "tag:yaml.org,2002:str"
INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"
BOOL_TAG = "tag:yaml.org,2002:bool"
NULL_TAG = "tag:yaml.org,2002:null"
PLAIN_TAGS = {STR_TAG, INT_TAG, FLOAT_TAG, BOOL_TAG, NULL_TAG}
COLLECTION_TAGS = {"tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"}


class PlainLoader(yaml.SafeLoader):
    """PyYAML's safe loader, but a plain scalar is only text, a number, true/false or null.

    YAML 1.1 also reads `2024-05-01` as a date, `=` as a "value" and `<<` as a merge key; a
    routine has no use for them, and "unsupported tag" would puzzle someone who wrote no tag.
    So they stay text, as written.
    """


PlainLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag in PLAIN_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_text(path: Path, name: str, what: str = "a routine file") -> str:
    """The file's text, refusing what cannot be `what` (missing, huge, binary, not UTF-8)."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise RoutineError(
                [
                    Problem(
                        name,
                        1,
                        1,
                        f"file is {size:,} bytes; {what} must be at most {MAX_FILE_BYTES:,} bytes",
                    )
                ]
            )
        with path.open("rb") as file:  # at most one byte too many: /dev/zero, pipes
            data = file.read(MAX_FILE_BYTES + 1)
    except IsADirectoryError:
        raise RoutineError([Problem(name, 1, 1, f"is a folder, expected {what}")]) from None
    except FileNotFoundError:
        raise RoutineError([Problem(name, 1, 1, "no such file")]) from None
    except OSError as err:
        raise RoutineError([Problem(name, 1, 1, f"cannot read: {err.strerror}")]) from None
    if len(data) > MAX_FILE_BYTES:
        raise RoutineError(
            [
                Problem(
                    name,
                    1,
                    1,
                    f"file is more than {MAX_FILE_BYTES:,} bytes; {what} "
                    f"must be at most {MAX_FILE_BYTES:,} bytes",
                )
            ]
        )
    encoding = _wide_encoding(data)
    if encoding:
        message = f"file is {encoding} text: expected UTF-8; save the file as UTF-8"
        raise RoutineError([Problem(name, 1, 1, message)])
    if b"\0" in data:
        line, column = _position(data, data.index(b"\0"))
        raise RoutineError(
            [Problem(name, line, column, "binary data (a NUL byte): expected a YAML text file")]
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line, column = _position(data, err.start)
        raise RoutineError(
            [
                Problem(
                    name,
                    line,
                    column,
                    f"byte 0x{data[err.start]:02x} is not UTF-8 text; save the file as UTF-8",
                )
            ]
        ) from None


def _wide_encoding(data: bytes) -> str | None:
    """ "UTF-32" or "UTF-16" for text in those encodings (with a byte order mark, or text that
    starts with an ASCII character, as YAML does), else None."""
    if data.startswith((b"\xff\xfe\0\0", b"\0\0\xfe\xff")):
        return "UTF-32"  # before UTF-16: its little-endian mark starts the same
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16"
    head = data[:4].ljust(4, b"\x01")  # a file shorter than four bytes: no NUL added
    zeros = [byte == 0 for byte in head]
    if zeros in ([False, True, True, True], [True, True, True, False]):
        return "UTF-32"
    if zeros in ([False, True, False, True], [True, False, True, False]):
        return "UTF-16"
    return None


def _position(data: bytes, offset: int) -> tuple[int, int]:
    before = data[:offset]
    line = before.count(b"\n") + 1
    column = offset - (before.rfind(b"\n") + 1) + 1
    return line, column


# libyaml's parser, when PyYAML has it: ten times faster (an 8-hour routine of 960 steps
# loaded in 1 s with the pure-Python one). Its error messages differ, so a file it refuses is
# parsed again by the pure-Python parser, whose messages the problems are worded from. It
# accepts tabs where the pure-Python parser does not, so a file with a tab skips it.
_FAST_LOADER: type | None = None
if hasattr(yaml, "CSafeLoader"):

    class _FastLoader(yaml.CSafeLoader):  # type: ignore[name-defined,misc]
        """libyaml's parser with `PlainLoader`'s resolvers: plain scalars only, as written."""

    _FastLoader.yaml_implicit_resolvers = PlainLoader.yaml_implicit_resolvers
    _FAST_LOADER = _FastLoader


def compose(text: str, name: str) -> Node | None:
    """The YAML node tree (safe: tags are only looked at, never constructed)."""
    if _FAST_LOADER is not None and "\t" not in text:
        try:
            _check_structure(text, name, _FAST_LOADER)
            return yaml.compose(text, Loader=_FAST_LOADER)
        except yaml.YAMLError:
            pass  # described below, in the pure-Python parser's words
    try:
        _check_structure(text, name)  # before composing: the composer recurses once per level
        return yaml.compose(text, Loader=PlainLoader)
    except yaml.MarkedYAMLError as err:
        raise RoutineError([_yaml_problem(err, name)]) from None
    except yaml.reader.ReaderError as err:  # a character YAML does not allow anywhere
        raise RoutineError([_reader_problem(err, text, name)]) from None
    except yaml.YAMLError as err:
        raise RoutineError([Problem(name, 1, 1, f"not valid YAML: {err}")]) from None


_OPEN = -1  # an anchor whose list or mapping has not ended yet


def _check_structure(text: str, name: str, loader: type | None = None) -> None:
    """Refuse what would make composing or reading a document explode, from its parse events
    (nothing is built yet): lists and mappings nested deeper than any routine needs
    (`[[[[...`), aliases (*name) that add more than `MAX_ALIAS_VALUES` values to it
    ("billion laughs"), and aliases inside the value they name (a value containing itself).

    Only what aliases add is counted, at each alias: the size of the value it repeats.
    """
    sizes: dict[str, int] = {}  # anchor -> values in its value, once complete
    open_sizes: list[int] = []  # values so far in each list or mapping not yet ended
    open_anchors: list[str | None] = []
    added = 0
    for event in yaml.parse(text, Loader=loader or PlainLoader):
        size = 0  # values this event completes
        if isinstance(event, yaml.CollectionStartEvent):
            if len(open_sizes) >= MAX_DEPTH:
                raise _problem_at(
                    name,
                    event.start_mark,
                    f"lists and mappings nested more than {MAX_DEPTH} levels deep; "
                    "a routine needs fewer than ten",
                )
            open_sizes.append(1)
            open_anchors.append(event.anchor)
            if event.anchor is not None:
                sizes[event.anchor] = _OPEN
            continue
        if isinstance(event, yaml.CollectionEndEvent):
            size = open_sizes.pop()
            anchor = open_anchors.pop()
            if anchor is not None:
                sizes[anchor] = size
        elif isinstance(event, yaml.ScalarEvent):
            size = 1
            if event.anchor is not None:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.AliasEvent):
            size = sizes.get(event.anchor, 0)  # an unknown one: the composer says so
            if size == _OPEN:
                raise _problem_at(
                    name,
                    event.start_mark,
                    "this value contains itself through an alias (*name); expected plain values",
                )
            added += size
            if added > MAX_ALIAS_VALUES:
                raise _problem_at(
                    name,
                    event.start_mark,
                    f"aliases (*name) add more than {MAX_ALIAS_VALUES:,} values to this "
                    "routine; write the values out, or repeat fewer of them",
                )
        if open_sizes:
            open_sizes[-1] += size


def _problem_at(name: str, mark: yaml.Mark, message: str) -> RoutineError:
    return RoutineError([problem_at(name, mark, message)])


def _reader_problem(err: yaml.reader.ReaderError, text: str, name: str) -> Problem:
    position = err.position
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    if isinstance(err.character, int):
        kind = character_kind(chr(err.character))
        message = f"the {kind} U+{err.character:04X} is not allowed in YAML; remove it"
    else:
        message = f"not valid YAML: {err.reason}"
    return Problem(name, line, column, message)


_KINDS = {
    "Cc": "control character",
    "Cf": "format character",
    "Cs": "surrogate",
    "Co": "private-use character",
}


_REFUSED = ("Cc", "Cf", "Cs", "Co")
_JOINERS = ("\u200c", "\u200d")  # zero width non-joiner and joiner
_TAGS = range(0xE0020, 0xE007F)  # tag characters, ended by U+E007F (cancel tag)
_BLACK_FLAG = "\U0001f3f4"  # the base of the flag emoji written with tags (England's)
_CANCEL_TAG = "\U000e007f"


def refused_character(text: str) -> tuple[str, bool] | None:
    """The first character of `text` that is not text, and whether it is a joiner that joins
    nothing; None when every character is text.

    Control characters, surrogates, private-use characters and invisible format characters
    are not text (tabs and line breaks are). But a joiner between two letters or emoji is:
    emoji sequences (a woman feeding a baby is U+1F469 U+200D U+1F37C) and scripts such as
    Persian, Hindi and Sinhala need them. So are the tags of a subdivision flag.
    """
    index = 0
    while index < len(text):
        char = text[index]
        index += 1
        if char in "\n\t" or unicodedata.category(char) not in _REFUSED:
            continue
        if char in _JOINERS:
            if 1 < index < len(text) and _joins(text[index - 2]) and _joins(text[index]):
                continue
            return char, True
        end = _flag_end(text, index - 1)
        if end is None:
            return char, False
        index = end
    return None


def _joins(char: str) -> bool:
    """Whether a joiner next to `char` can be part of a word or an emoji."""
    category = unicodedata.category(char)
    return category[0] in "LM" or category in ("So", "Sk")


def _flag_end(text: str, start: int) -> int | None:
    """Where the tags of a flag (U+1F3F4, tags, U+E007F) that start at `start` end; None when
    text[start] does not start them."""
    if start == 0 or text[start - 1] != _BLACK_FLAG:
        return None
    end = start
    while end < len(text) and ord(text[end]) in _TAGS:
        end += 1
    if end == start or end == len(text) or text[end] != _CANCEL_TAG:
        return None
    return end + 1


def character_kind(char: str) -> str:
    """What kind of character `char` is, in words, for a message that refuses it."""
    kind = _KINDS.get(unicodedata.category(char))
    if kind:
        return kind
    code = ord(char)
    if 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE:
        return "noncharacter"
    return "character"


def problem_at(name: str, mark: yaml.Mark, message: str) -> Problem:
    """A problem at a YAML position (0-based marks, 1-based for people)."""
    return Problem(name, mark.line + 1, mark.column + 1, message)


def _yaml_problem(err: yaml.MarkedYAMLError, name: str) -> Problem:
    mark = err.problem_mark or err.context_mark
    problem = (err.problem or "").strip()
    if "'\\t'" in problem or "tab" in problem:
        message = "a tab character: YAML allows only spaces here; replace the tab with spaces"
    elif "found unexpected end of stream" in problem and "quoted" in (err.context or ""):
        mark = err.context_mark or mark  # where the quote opens, not the end of the file
        message = "a quoted string is never closed: add the closing quote"
    elif "mapping values are not allowed here" in problem:
        message = (
            "a ':' inside a value: line this key up with the keys above it, "
            "or put text that contains ': ' in quotes"
        )
    elif "flow" in (err.context or "") and problem.startswith("expected ','"):
        mark = err.context_mark or mark  # where the bracket opens
        opening, closing = ("[", "]") if "sequence" in (err.context or "") else ("{", "}")
        message = (
            f"this '{opening}' is never closed: expected items separated by ',' "
            f"and a closing '{closing}'"
        )
    elif "expected a single document" in (err.context or ""):
        message = "a second YAML document (after '---'): expected one routine per file"
    elif "expected <block end>" in problem or "did not find expected key" in problem:
        message = "bad indentation: keys of one mapping must line up in the same column"
    elif "found duplicate anchor" in problem or "found undefined alias" in problem:
        message = problem
    else:
        context = f" ({err.context.strip()})" if err.context else ""
        message = f"not valid YAML: {problem}{context}"
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    return Problem(name, line, column, message)
