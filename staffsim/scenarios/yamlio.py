"""Reading YAML: the one reader of scenarios, targets and every other YAML file staffsim takes.

One clear message naming the file, line and column for: a syntax error; a key given twice in one
mapping (YAML would silently keep the last); aliases (``*name``) that would expand the document by
more than :data:`~staffsim.limits.MAX_ALIAS_VALUES` values (a "billion laughs" file: a few lines
that expand to billions of values) or that refer to themselves; nesting too deep to read; a file
larger than :data:`~staffsim.limits.MAX_YAML_BYTES`. The alias check runs on the composed node
graph, before any value is built, so it is fast however large the expansion would be.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from staffsim.errors import InputError, excerpt
from staffsim.limits import MAX_ALIAS_VALUES, MAX_YAML_BYTES

_MERGE = "tag:yaml.org,2002:merge"


class YAMLSyntaxError(InputError):
    """The text is not YAML (as opposed to YAML that is refused)."""


class _Refused(Exception):
    """A problem found while composing or constructing: a message and where (a yaml Mark)."""

    def __init__(self, message: str, mark: Any = None):
        super().__init__(message)
        self.mark = mark


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (``<<`` merges may still be
    overridden, as YAML intends) and counts the aliases it composes."""

    aliases = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Node, deep: bool = False) -> dict:
        if isinstance(node, MappingNode):
            first: dict[Any, Any] = {}
            for key_node, _ in node.value:
                if key_node.tag == _MERGE:
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    seen = first.get(key)
                except TypeError:  # an unhashable key: the base class reports it
                    continue
                if seen is not None:
                    now = key_node.start_mark
                    both = (f"lines {seen.line + 1} and {now.line + 1}" if seen.line != now.line else
                            f"line {now.line + 1}, columns {seen.column + 1} and {now.column + 1}")
                    raise _Refused(f"key {excerpt(key)} is given twice ({both}); keep one", now)
                first[key] = key_node.start_mark
        return super().construct_mapping(node, deep)


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _check_expansion(root: Node) -> None:
    """Refuse self-referring aliases and aliases that expand the document by more than
    MAX_ALIAS_VALUES values. Iterative, each node visited once (aliases share nodes)."""
    size: dict[int, int] = {}
    visiting: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        children = _children(node)
        if finished:
            visiting.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in children)
            if size[key] - len(size) > MAX_ALIAS_VALUES:
                raise _Refused(
                    f"aliases (*name) expand this document by more than {MAX_ALIAS_VALUES:,} "
                    "values; refused (write the values out, or use fewer aliases)", node.start_mark)
            continue
        if key in size:
            continue
        if key in visiting:
            raise _Refused("an alias (*name) refers to the collection that contains it "
                           "(a recursive structure)", node.start_mark)
        visiting.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in size)


def load_yaml_text(text: str, source: str) -> Any:
    """Parse YAML text; every problem is an :class:`InputError` naming ``source`` and the line."""
    loader = None
    try:
        loader = _Loader(text)  # the reader refuses control characters at once
        node = loader.get_single_node()
        if node is None:
            return None
        if loader.aliases:
            _check_expansion(node)
        return loader.construct_document(node)
    except _Refused as exc:
        pos = f"line {exc.mark.line + 1}, column {exc.mark.column + 1}: " if exc.mark else ""
        raise InputError(f"{source}: {pos}{exc}") from None
    except RecursionError:
        raise InputError(f"{source}: nested too deeply to read (hundreds of levels of [ or {{)") from None
    except yaml.reader.ReaderError as exc:
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
        raise YAMLSyntaxError(f"{source}: invalid YAML: character #x{code:04x} at position "
                              f"{exc.position} is not allowed (a binary file?)") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        pos = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise YAMLSyntaxError(f"{source}: {pos}invalid YAML: {problem}") from None
    finally:
        if loader is not None:
            loader.dispose()


def read_yaml(path: str | Path) -> Any:
    """Parse a YAML file (see the module doc for what is refused)."""
    source = str(path)
    path = Path(path)
    try:
        if path.is_dir():
            raise InputError(f"{source}: is a directory, not a YAML file")
        if path.stat().st_size > MAX_YAML_BYTES:
            raise InputError(f"{source}: larger than {MAX_YAML_BYTES // 1_000_000} MB; "
                             "staffsim reads YAML files up to that size")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{source}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{source}: cannot read ({exc})") from None
    return load_yaml_text(text, source)
