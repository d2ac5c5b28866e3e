"""Read YAML files the way a careful person expects, remembering where each value came from.

PyYAML implements YAML 1.1, where `NO` is false, `12:30` is 750 and a repeated
key silently wins. Coaches should not have to know that. This loader:

* resolves plain scalars by the YAML 1.2 core schema only (`true`/`false`,
  decimal numbers, `null`); everything else, dates included, stays text and is
  checked by the model;
* refuses duplicate keys, anchors and aliases (so no alias bombs), explicit
  tags, and files over a size limit, before building any Python value;
* records the line and column of every key and value, so validation errors
  can point at them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from coachbook.errors import Problem, ProblemList

#: Engagement and program files are hand-written; anything larger is a mistake or an attack.
MAX_FILE_BYTES = 1_000_000
#: Deep nesting is never needed and costs recursion; refuse it early.
MAX_DEPTH = 32
_COMPOSE_DEPTH_LIMIT = 4 * MAX_DEPTH

Loc = tuple[str | int, ...]

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT = re.compile(r"^[-+]?[0-9]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
#: What YAML refuses to read anywhere in a file, comments included (PyYAML's `Reader.NON_PRINTABLE`): control
#: characters other than tab and line breaks (NUL, BEL, ESC, DEL, the C1 set but NEL), surrogates, U+FFFE and U+FFFF.
_UNREADABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
#: A file with hundreds of them (a binary file saved as .yml) is named by its first few.
_UNREADABLE_SHOWN = 5


class Position(NamedTuple):
    """Where a value starts in its file (1-based, as editors count); a tuple, as a file has hundreds."""

    line: int
    column: int


@dataclass
class YamlDocument:
    """A parsed file: its data, and where each key and value was written."""

    path: Path
    data: Any
    values: dict[Loc, Position] = field(default_factory=dict)
    """Position of the value at each location."""
    keys: dict[Loc, Position] = field(default_factory=dict)
    """Position of the key that introduces each location inside a mapping."""

    def position(self, loc: Loc) -> Position:
        """Best position for `loc`: the value, else its key, else the nearest known parent."""
        probe = tuple(loc)
        while probe:
            if probe in self.values:
                return self.values[probe]
            if probe in self.keys:
                return self.keys[probe]
            probe = probe[:-1]
        return self.values.get((), Position(1, 1))

    def key_position(self, loc: Loc) -> Position:
        """Position of the key at `loc` (for unknown-key errors), falling back to the value."""
        return self.keys.get(tuple(loc)) or self.position(loc)


if TYPE_CHECKING:
    # What the checks are mixed into: a composer reading parser events.
    _Composing = yaml.SafeLoader
else:
    _Composing = object


class _Checks(_Composing):
    """What both loaders refuse while composing: aliases, deep nesting and explicit tags."""

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        # An alias makes the node graph a DAG; expanding it is how alias bombs
        # eat memory. Refuse at the first alias, before anything is expanded.
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases (*name) are not supported", event.start_mark
            )
        event = self.peek_event()  # type: ignore[no-untyped-call]
        # The composer recurses once per level; stop long before Python's
        # recursion limit so a pathologically nested file is an error, not a
        # crash. Ordinary over-nesting is reported with its field in `_convert`.
        depth = getattr(self, "_depth", 0)
        if depth >= _COMPOSE_DEPTH_LIMIT:
            raise yaml.composer.ComposerError(None, None, "the file is nested too deeply", event.start_mark)
        self._depth = depth + 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth = depth
        # Remember explicit tags (`!!str 3`, `!!python/object`): `_convert`
        # refuses them rather than interpret a value the way the tag asks.
        if node is not None and getattr(event, "tag", None) not in (None, "!"):
            node.explicit_tag = True  # type: ignore[attr-defined]
        return node


class _Loader(_Checks, yaml.SafeLoader):
    """A safe loader whose resolver never guesses beyond the YAML 1.2 core schema."""


# Drop YAML 1.1's implicit resolvers (bool words, sexagesimal ints, timestamps,
# merge keys, ...). Plain scalars are resolved by `_resolve_scalar` instead.
_Loader.yaml_implicit_resolvers = {}

_FastLoader: type | None = None
_CParser: Any = None
if getattr(yaml, "__with_libyaml__", False):
    from yaml._yaml import CParser

    _CParser = CParser
    from yaml.composer import Composer
    from yaml.constructor import SafeConstructor
    from yaml.resolver import Resolver

    class _LibyamlLoader(_Checks, Composer, CParser, SafeConstructor, Resolver):
        """The same loader reading events from libyaml: about eight times faster on an engagement file.

        Only the scanning and parsing run in C; composing stays in Python, so the
        checks above apply unchanged. Composer comes before CParser so that its
        Python `get_single_node` (which calls our `compose_node`) is used, not
        libyaml's own composer. libyaml words its syntax errors differently, so
        `parse_yaml` reports errors by parsing again with the pure-Python loader.
        """

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

    _LibyamlLoader.yaml_implicit_resolvers = {}
    _FastLoader = _LibyamlLoader


def _problem(path: Path, mark: yaml.Mark | None, message: str, hint: str, field_name: str = "") -> Problem:
    line = mark.line + 1 if mark else 1
    column = mark.column + 1 if mark else 1
    return Problem(path=path, line=line, column=column, field=field_name, message=message, hint=hint)


def load_yaml(path: Path, *, display_path: Path | None = None) -> YamlDocument:
    """Parse one YAML file into plain Python data with positions.

    Arguments:
        path: The file to read.
        display_path: How to name the file in messages (usually relative to the project).

    Returns:
        The parsed document.

    Raises:
        ProblemList: The file is unreadable, too large, or not YAML we accept.
    """
    shown = display_path or path
    if path.is_symlink():
        raise ProblemList([Problem(shown, 1, 1, "", "is a symbolic link", "replace the link with the real file")])
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ProblemList([Problem(shown, 1, 1, "", f"cannot be read: {exc.strerror}", "check the path")]) from None
    if size > MAX_FILE_BYTES:
        raise ProblemList(
            [
                Problem(
                    shown,
                    1,
                    1,
                    "",
                    f"is {size:,} bytes, over the {MAX_FILE_BYTES:,}-byte limit",
                    "split it up or remove pasted content; engagement files are a few kilobytes",
                )
            ]
        )
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ProblemList([not_utf8(shown, exc)]) from None
    return parse_yaml(text, shown)


def not_utf8(shown: Path, error: UnicodeDecodeError) -> Problem:
    """The problem of a file that is not UTF-8 text; every file Coachbook reads is worded the same."""
    return Problem(shown, 1, 1, "", f"is not UTF-8 text (byte {error.start})", "save the file as UTF-8")


def parse_yaml(text: str, shown: Path) -> YamlDocument:
    """Parse YAML text (see `load_yaml`); `shown` names the source in messages."""
    # PyYAML's reader refuses these with a traceback naming only a character offset; say where they are.
    unreadable = _unreadable_problems(text, shown)
    if unreadable:
        raise ProblemList(unreadable)
    # Built first all the same: its reader is the backstop for anything the check above lets through.
    loader = _Loader(text)
    quick = _quick_document(text, shown)
    if quick is not None:
        loader.dispose()
        return quick
    doc = YamlDocument(path=shown, data=None)
    node = _fast_node(text)
    try:
        if node is None:
            node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        message = (exc.problem or "is not valid YAML").strip()
        raise ProblemList(
            [_problem(shown, exc.problem_mark, f"YAML syntax error: {message}", _syntax_hint(message))]
        ) from None
    except yaml.YAMLError as exc:
        raise ProblemList([_problem(shown, None, f"YAML error: {exc}", "check the file's syntax")]) from None
    finally:
        loader.dispose()
    if node is None:
        doc.data = {}
        return doc
    problems: list[Problem] = []
    doc.data = _convert(node, (), doc, problems, 0)
    if problems:
        raise ProblemList(problems)
    return doc


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    """The line and column (both from 1) of the character at `offset` in `text`, as an editor numbers them."""
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)


def _unreadable_problems(text: str, shown: Path) -> list[Problem]:
    """Each character YAML cannot read (see `_UNREADABLE`), at its line and column, with what it is."""
    problems: list[Problem] = []
    for found in _UNREADABLE.finditer(text):
        if len(problems) == _UNREADABLE_SHOWN:
            break
        char = found.group()
        line, column = line_and_column(text, found.start())
        kind = "a control character" if unicodedata.category(char) == "Cc" else "a character that is not text"
        problems.append(
            Problem(
                shown,
                line,
                column,
                "",
                f"contains U+{ord(char):04X} ({kind}), which YAML does not allow anywhere in a file, comments included",
                "delete it: retype the line rather than pasting it from a PDF, a terminal or a chat",
            )
        )
    return problems


class _Unusual(Exception):
    """Something `_quick_document` leaves to the careful path: an error, an alias, a tag, a duplicate key..."""


def _quick_document(text: str, shown: Path) -> YamlDocument | None:
    """The document of an ordinary file, built straight from libyaml's events; None for anything unusual.

    Most files are plain mappings, lists and untagged scalars, and for them
    this gives exactly what composing nodes and converting them gives, about
    twice as fast: no node objects, no resolver. At the first thing that path
    would refuse or word an error for (an alias, an explicit tag, a key that is
    not a plain word, a duplicate or merge key, deep nesting, a second
    document, a syntax error), it gives up, and `parse_yaml` reads the file the
    careful way, which reports it.
    """
    if _FastLoader is None:
        return None
    parser = _CParser(text)
    doc = YamlDocument(path=shown, data=None)
    try:
        _expect(parser.get_event(), yaml.StreamStartEvent)
        first = parser.get_event()
        if type(first) is yaml.StreamEndEvent:
            doc.data = {}
            return doc
        _expect(first, yaml.DocumentStartEvent)
        doc.data = _built(parser, parser.get_event(), (), doc, 0)
        _expect(parser.get_event(), yaml.DocumentEndEvent)
        _expect(parser.get_event(), yaml.StreamEndEvent)
    except (yaml.YAMLError, _Unusual):
        return None
    finally:
        parser.dispose()
    return doc


def _expect(event: yaml.Event, kind: type[yaml.Event]) -> None:
    if type(event) is not kind:
        raise _Unusual


def _built(parser: Any, event: Any, loc: Loc, doc: YamlDocument, depth: int) -> Any:
    """The value `event` starts, read on from `parser`, with its positions recorded as `_convert` records them.

    Events from libyaml always carry their marks, so they are read without the checks `yaml.Event` types ask for.
    """
    if depth > MAX_DEPTH or getattr(event, "tag", None) not in (None, "!"):
        raise _Unusual
    mark: Any = event.start_mark
    doc.values[loc] = Position(mark.line + 1, mark.column + 1)
    kind = type(event)
    if kind is yaml.ScalarEvent:
        return _resolved(event.value, event.style)
    # Untagged scalars, most of a file, are read in the loops below rather than in a call each.
    inline = depth < MAX_DEPTH
    values = doc.values
    if kind is yaml.SequenceStartEvent:
        items: list[Any] = []
        item: Any
        while type(item := parser.get_event()) is not yaml.SequenceEndEvent:
            child = (*loc, len(items))
            if inline and type(item) is yaml.ScalarEvent and item.tag is None:
                mark = item.start_mark
                values[child] = Position(mark.line + 1, mark.column + 1)
                items.append(_resolved(item.value, item.style))
            else:
                items.append(_built(parser, item, child, doc, depth + 1))
        return items
    if kind is yaml.MappingStartEvent:
        result: dict[str, Any] = {}
        key: Any
        while type(key := parser.get_event()) is not yaml.MappingEndEvent:
            if type(key) is not yaml.ScalarEvent or key.tag not in (None, "!"):
                raise _Unusual
            name = key.value
            if name in result or name == "<<":
                raise _Unusual
            child = (*loc, name)
            mark = key.start_mark
            doc.keys[child] = Position(mark.line + 1, mark.column + 1)
            value = parser.get_event()
            if inline and type(value) is yaml.ScalarEvent and value.tag is None:
                mark = value.start_mark
                values[child] = Position(mark.line + 1, mark.column + 1)
                result[name] = _resolved(value.value, value.style)
            else:
                result[name] = _built(parser, value, child, doc, depth + 1)
        return result
    raise _Unusual  # an alias


def _fast_node(text: str) -> Node | None:
    """The document's node from libyaml, or None when libyaml is missing, the file is empty or has an error.

    On None the pure-Python loader parses the text again, and reports any error
    in its own (tested) words.
    """
    if _FastLoader is None:
        return None
    loader = _FastLoader(text)
    try:
        return loader.get_single_node()  # type: ignore[no-any-return]
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()


def _syntax_hint(message: str) -> str:
    if "nested too deeply" in message:
        return "flatten the structure"
    if "aliases" in message:
        return "write the repeated values out in full"
    # PyYAML spells a tab as the escape '\t' in its messages.
    if "tab" in message or "'\\t'" in message:
        return "indent with spaces, never tabs"
    if "mapping values are not allowed" in message:
        return "a value containing ': ' must be quoted"
    if "found character '@'" in message or "'`'" in message:
        return "quote values that start with @ or `"
    return "check indentation and quoting around this line"


def _convert(node: Node, loc: Loc, doc: YamlDocument, problems: list[Problem], depth: int) -> Any:
    field_name = dotted(loc)
    if depth > MAX_DEPTH:
        problems.append(
            _problem(doc.path, node.start_mark, "is nested too deeply", "flatten the structure", field_name)
        )
        return None
    doc.values[loc] = Position(node.start_mark.line + 1, node.start_mark.column + 1)
    if getattr(node, "explicit_tag", False):
        problems.append(_tag_problem(doc.path, node, field_name))
        return None
    if isinstance(node, ScalarNode):
        return _resolve_scalar(node)
    if isinstance(node, SequenceNode):
        return [_convert(item, (*loc, index), doc, problems, depth + 1) for index, item in enumerate(node.value)]
    if isinstance(node, MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag not in ("tag:yaml.org,2002:str",):
                problems.append(
                    _problem(
                        doc.path, key_node.start_mark, "keys must be plain words", "write `name: value`", field_name
                    )
                )
                continue
            key = str(key_node.value)
            child = (*loc, key)
            if key in result:
                first = doc.keys[child]
                problems.append(
                    _problem(
                        doc.path,
                        key_node.start_mark,
                        f"duplicate key {key!r} (first written on line {first.line})",
                        "keep one of them; YAML would silently use the last",
                        dotted(child),
                    )
                )
                continue
            if key == "<<":
                problems.append(
                    _problem(
                        doc.path,
                        key_node.start_mark,
                        "merge keys (<<) are not supported",
                        "write the keys out",
                        field_name,
                    )
                )
                continue
            doc.keys[child] = Position(key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = _convert(value_node, child, doc, problems, depth + 1)
        return result
    problems.append(_problem(doc.path, node.start_mark, "has an unsupported YAML node", "use plain values", field_name))
    return None


def _tag_problem(path: Path, node: Node, field_name: str) -> Problem:
    return _problem(
        path,
        node.start_mark,
        f"explicit YAML tag {node.tag!r} is not allowed",
        "remove the `!tag`; write plain values and quote text",
        field_name,
    )


def _resolve_scalar(node: ScalarNode) -> Any:
    # Explicit tags were refused in `_convert`, so every scalar here is untagged text.
    return _resolved(node.value, node.style)


def _resolved(value: str, style: str | None) -> Any:
    """A scalar's value by the YAML 1.2 core schema: only plain scalars can be anything but text."""
    if style:  # quoted, literal or folded: always text (plain is None in PyYAML, "" in libyaml)
        return value
    first = value[:1]
    if first.isalpha() and first not in "nNtTfF":
        return value  # no null, boolean or number starts so: most plain scalars are words
    if _NULL.match(value):
        return None
    if _BOOL.match(value):
        return value.lower() == "true"
    if _INT.match(value):
        return int(value)
    if _FLOAT.match(value):
        return float(value)
    return value


def dotted(loc: Loc) -> str:
    """Render a location as the field path people read: `goals[0].target`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
