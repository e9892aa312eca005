"""YAML made safe to read: size, encoding, nesting and alias-expansion limits, and YAML's own
errors turned into one-line problems with their line and column.

Every document is composed with `PlainLoader` (a safe loader), never constructed into objects.
"""

import unicodedata
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from guidecast.core.errors import Problem, RoutineError

MAX_FILE_BYTES = 1024 * 1024  # a routine is a few KB; anything near this is not one
MAX_NODES = 20_000  # after alias expansion: stops "billion laughs" documents
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
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise RoutineError(
            [Problem(name, 1, 1, "file is UTF-16 text: expected UTF-8; save the file as UTF-8")]
        )
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
            _check_depth(text, name, _FAST_LOADER)
            root = yaml.compose(text, Loader=_FAST_LOADER)
        except yaml.YAMLError:
            pass  # described below, in the pure-Python parser's words
        else:
            if root is not None:
                _check_expansion(root, name)
            return root
    try:
        _check_depth(text, name)  # before composing: the composer recurses once per level
        root = yaml.compose(text, Loader=PlainLoader)
        if root is not None:
            _check_expansion(root, name)
        return root
    except yaml.MarkedYAMLError as err:
        raise RoutineError([_yaml_problem(err, name)]) from None
    except yaml.reader.ReaderError as err:  # a character YAML does not allow anywhere
        raise RoutineError([_reader_problem(err, text, name)]) from None
    except yaml.YAMLError as err:
        raise RoutineError([Problem(name, 1, 1, f"not valid YAML: {err}")]) from None


def _check_depth(text: str, name: str, loader: type | None = None) -> None:
    """Refuse lists and mappings nested deeper than any routine needs (`[[[[...`)."""
    loader = loader or PlainLoader
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                mark = event.start_mark
                raise RoutineError(
                    [
                        problem_at(
                            name,
                            mark,
                            f"lists and mappings nested more than {MAX_DEPTH} levels deep; "
                            "a routine needs fewer than ten",
                        )
                    ]
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _check_expansion(root: Node, name: str) -> None:
    """Refuse aliases that expand to a huge document ("billion laughs") or contain themselves.

    Counts each node once per place it appears, as a reader would see the document, without
    expanding anything: sizes are added up from the bottom, each shared node sized once.
    """
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children: list[Node] = []
        if isinstance(node, SequenceNode):
            children = list(node.value)
        elif isinstance(node, MappingNode):
            children = [n for pair in node.value for n in pair]
        if not children_done:
            open_nodes.add(id(node))
            stack.append((node, True))
            for child in children:
                if id(child) in open_nodes:
                    mark = child.start_mark
                    raise RoutineError(
                        [
                            problem_at(
                                name,
                                mark,
                                "this value contains itself through an alias (*name); "
                                "expected plain values",
                            )
                        ]
                    )
                if id(child) not in sizes:
                    stack.append((child, False))
            continue
        open_nodes.discard(id(node))
        sizes[id(node)] = 1 + sum(sizes[id(child)] for child in children)
        if sizes[id(node)] > MAX_NODES:
            mark = node.start_mark
            raise RoutineError(
                [
                    problem_at(
                        name,
                        mark,
                        f"aliases (*name) expand this value to more than {MAX_NODES:,} values; "
                        "expected a routine of plain values",
                    )
                ]
            )


def _reader_problem(err: yaml.reader.ReaderError, text: str, name: str) -> Problem:
    position = err.position
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    if isinstance(err.character, int):
        char = chr(err.character)
        what = "the control character" if unicodedata.category(char) == "Cc" else "the character"
        message = f"{what} U+{err.character:04X} is not allowed in YAML; remove it"
    else:
        message = f"not valid YAML: {err.reason}"
    return Problem(name, line, column, message)


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
