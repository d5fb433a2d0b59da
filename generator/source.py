"""Step 1: read YAML files safely into plain data, remembering where every value came from.

Only plain data comes out (mappings, lists, strings, numbers, booleans, dates): PyYAML's
safe constructor builds the scalars, and we walk the node tree ourselves so we can reject
duplicate keys and aliases and record each key's and value's line and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .findings import Finding, Severity

try:  # libyaml is several times faster; the pure-Python loader behaves the same.
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

# A charter is a few kilobytes; anything this large is a mistake, not a charter.
MAX_FILE_BYTES = 1_000_000
# A charter nests about six levels deep. libyaml's composer recurses in C without a limit, so
# a file of nothing but '[' (or '- - - ...') crashes the interpreter with a segmentation fault
# instead of raising: such nesting must be refused before the composer sees it.
MAX_DEPTH = 100
# Every level of nesting needs one of these characters, so a text with fewer of them than
# this cannot be nested deeper than the composer can take: only bigger, odder files are
# scanned event by event (a normal charter is never scanned, so loading stays fast).
_SCAN_DEPTH_ABOVE = 1_000
_NESTING_CHARS = "[{-?:"
_EMPTY_HINT = "start from the example in the README, or run `charters new TEAM`"
_TOO_DEEP = (
    f"YAML nesting is deeper than {MAX_DEPTH} levels",
    "a charter is a few levels deep; check the brackets and '- ' markers here",
)

PathKey = tuple[str | int, ...]

# Only plain data: anything else (python objects, binary, sets) is refused, not converted.
_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("map", "seq", "str", "int", "float", "bool", "null", "timestamp")
)


@dataclass
class SourceFile:
    """One YAML file as plain data plus the positions of its keys and values."""

    path: str
    data: Any
    values: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    keys: dict[PathKey, tuple[int, int]] = field(default_factory=dict)

    def position(self, path: PathKey, *, key: bool = False) -> tuple[int, int]:
        """The 1-based line and column of `path`, falling back to its nearest parent."""
        table = self.keys if key else self.values
        probe = tuple(path)
        while probe:
            if probe in table:
                return table[probe]
            if not key and probe in self.keys:
                return self.keys[probe]
            probe = probe[:-1]
        return self.values.get((), (1, 1))


class _Rejected(Exception):
    def __init__(self, code: str, message: str, mark: tuple[int, int], hint: str) -> None:
        super().__init__(message)
        self.code, self.message, self.mark, self.hint = code, message, mark, hint


def _pos(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


_STR_TAG = "tag:yaml.org,2002:str"


class _Builder:
    def __init__(self, loader: Any) -> None:
        self.loader = loader
        # The safe constructors by tag, called directly: construct_object's bookkeeping for
        # anchors and recursion is not needed (aliases are refused) and was a third of the
        # time of loading 2,000 charters.
        self.constructors: dict[str, Any] = loader.yaml_constructors
        self.values: dict[PathKey, tuple[int, int]] = {}
        self.keys: dict[PathKey, tuple[int, int]] = {}
        self.seen: set[int] = set()

    def scalar(self, node: yaml.ScalarNode) -> Any:
        """The plain value of a scalar node, exactly as the safe constructor makes it."""
        tag = node.tag
        if tag == _STR_TAG:
            return node.value  # what construct_yaml_str returns, without three calls
        constructor = self.constructors.get(tag)
        if constructor is None:  # a tag the safe loader refuses: let it say so, in place
            return self.loader.construct_object(node)
        return constructor(self.loader, node)

    def build(self, node: yaml.Node, path: PathKey) -> Any:
        # The composer hands back the very same node object for every alias of an anchor,
        # so a node met twice is an alias: refuse it before it can multiply the document.
        node_id = id(node)
        if node_id in self.seen:
            raise _Rejected(
                "yaml-alias",
                "YAML anchors and aliases (&name, *name) are not allowed in charters",
                _pos(node),
                "write the value out in full; charters are read by people, not only machines",
            )
        self.seen.add(node_id)
        if node.tag not in _PLAIN_TAGS:
            raise _Rejected(
                "yaml-tag",
                f"YAML tag '{node.tag}' is not allowed in charters",
                _pos(node),
                "remove the '!' tag; charters hold only plain text, numbers, lists and mappings",
            )
        if isinstance(node, yaml.CollectionNode) and len(path) >= MAX_DEPTH:
            # Same limit as _too_deep, so a small file nests no deeper than a big one.
            raise _Rejected("yaml-syntax", _TOO_DEEP[0], _pos(node), _TOO_DEEP[1])
        self.values[path] = _pos(node)
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise _Rejected(
                        "yaml-alias",
                        "YAML merge keys (<<) are not allowed in charters",
                        _pos(key_node),
                        "write the keys out in full",
                    )
                if not isinstance(key_node, yaml.ScalarNode):
                    raise _Rejected(
                        "wrong-type",
                        "a key must be a plain word",
                        _pos(key_node),
                        "keys are field names such as 'name' or 'services'",
                    )
                key = self.scalar(key_node)
                if not isinstance(key, str):
                    key = str(key)
                key_path = (*path, key)
                if key in result:
                    first = self.keys[key_path]
                    raise _Rejected(
                        "duplicate-key",
                        f"'{key}' appears twice in the same mapping (first on line {first[0]})",
                        _pos(key_node),
                        "keep one of them; YAML would silently use only the last",
                    )
                self.keys[key_path] = _pos(key_node)
                result[key] = self.build(value_node, key_path)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]
        try:
            return self.scalar(node)
        except yaml.constructor.ConstructorError:
            raise
        except (ValueError, OverflowError):
            # A scalar that looks like a date or number but is not one (2026-13-01): keep the
            # text so validation can say what is wrong with it, in place.
            return node.value


def _too_deep(text: str) -> tuple[int, int] | None:
    """Where nesting first goes deeper than MAX_DEPTH, from libyaml's events (no recursion)."""
    if sum(text.count(char) for char in _NESTING_CHARS) <= _SCAN_DEPTH_ABOVE:
        return None
    found = _deeper_than_limit(text, _Loader)
    if found is _LIBYAML_LIMIT:
        # Newer libyaml stops at its own limit (1,000 levels) while scanning ahead, before it
        # hands out the event that passes ours: ask the pure-Python parser, which scans lazily,
        # so the place reported is the same whichever libyaml PyYAML was built with.
        found = _deeper_than_limit(text, yaml.SafeLoader)
    return found if isinstance(found, tuple) else None


_LIBYAML_LIMIT = object()


def _deeper_than_limit(text: str, loader_class: type) -> tuple[int, int] | object | None:
    loader = loader_class(text)
    depth = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return event.start_mark.line + 1, event.start_mark.column + 1
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError as error:
        if "maximum nesting depth" in str(error):
            return _LIBYAML_LIMIT
        return None  # the composer reports the syntax error, in place
    finally:
        loader.dispose()
    return None


def _first_alias(text: str) -> tuple[int, int] | None:
    """Where the first alias (*name) is: the composer hands back only the anchored node."""
    loader = _Loader(text)
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.AliasEvent):
                return event.start_mark.line + 1, event.start_mark.column + 1
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()
    return None


def _is_tab_problem(text: str, problem: str, line: int, col: int) -> bool:
    # libyaml's message does not name the character, so look at the place it points to.
    if re.search(r"\btabs?\b", problem) or "\\t" in problem:
        return True
    lines = text.splitlines()
    if not 0 < line <= len(lines):
        return False
    here = lines[line - 1]
    indent = here[: len(here) - len(here.lstrip())]
    return "\t" in indent or here[col - 1 : col] == "\t"


def load_yaml(path: Path, display: str) -> tuple[SourceFile | None, list[Finding]]:
    """Read one file; on any problem return no data and a finding that says where and why."""

    def fail(code: str, message: str, line: int, col: int, hint: str) -> tuple[None, list[Finding]]:
        return None, [Finding(Severity.ERROR, code, display, line, col, message, hint)]

    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return fail(
                "file-too-large",
                f"file is {size:,} bytes; a charter must be under {MAX_FILE_BYTES:,} bytes",
                1,
                1,
                "a charter describes one team; split it or remove pasted data",
            )
        raw = path.read_bytes()
    except OSError as error:
        return fail(
            "unreadable-file",
            f"cannot read file: {error.strerror}",
            1,
            1,
            "check that the file exists and is readable",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        col = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        return fail(
            "not-utf8",
            f"byte 0x{raw[error.start]:02x} is not valid UTF-8",
            line,
            col,
            "save the file as UTF-8 (most editors offer it under 'Save with encoding')",
        )
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip() or all(
        not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()
    ):
        return fail("empty-file", "file is empty", 1, 1, _EMPTY_HINT)

    deep = _too_deep(text)
    if deep is not None:
        return fail("yaml-syntax", _TOO_DEEP[0], *deep, _TOO_DEEP[1])
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return fail("empty-file", "file is empty", 1, 1, _EMPTY_HINT)
        builder = _Builder(loader)
        data = builder.build(node, ())
        if data is None:  # a lone '---' or 'null': nothing written yet
            return fail("empty-file", "file holds no fields", 1, 1, _EMPTY_HINT)
    except _Rejected as rejected:
        mark = rejected.mark
        if rejected.code == "yaml-alias":
            # Only met on a broken file, so the second pass costs a valid charter nothing.
            mark = _first_alias(text) or mark
        return fail(rejected.code, rejected.message, *mark, rejected.hint)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = error.problem or error.context or "invalid YAML"
        hint = "check indentation and quoting around this place"
        if _is_tab_problem(text, problem, line, col):
            problem = "a tab character is used for indentation"
            hint = "YAML does not allow tabs for indentation; indent with spaces"
        elif "expected a single document" in str(error):
            problem, hint = "file holds more than one YAML document", "remove the '---' separators"
        return fail("yaml-syntax", f"YAML syntax error: {problem}", line, col, hint)
    except yaml.reader.ReaderError as error:
        # libyaml gives the place as a byte offset into the UTF-8 text.
        before = text.encode("utf-8")[: error.position].decode("utf-8", errors="replace")
        line, col = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
        return fail(
            "yaml-syntax",
            f"character U+{error.character:04X} is not allowed in YAML ({error.reason})",
            line,
            col,
            "delete it; it is often pasted in by accident and invisible in most editors",
        )
    except yaml.YAMLError as error:
        return fail("yaml-syntax", f"YAML error: {error}", 1, 1, "check the file's YAML syntax")
    except RecursionError:
        return fail(
            "yaml-syntax", "YAML nesting is too deep", 1, 1, "a charter is a few levels deep"
        )
    finally:
        loader.dispose()
    return SourceFile(path=display, data=data, values=builder.values, keys=builder.keys), []
