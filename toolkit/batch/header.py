"""Where a record goes, read off its first lines without loading it: its year, department code and rubric file.

A run plans every record before it starts a worker, and an unchanged re-run does nothing else, so this read is
what an unchanged re-run of hundreds of departments costs. The record is read as a stream of YAML events (libyaml
when PyYAML has it) and the reading stops once `year`, `department.code` and `rubric` are found, which in every
record the toolkit writes is within the first lines: about 0.1 ms a record, where loading the whole file took
0.8–1.5 ms. Anything the stream does not say plainly (an alias, a merge key `<<`, a key that is a collection) is
read the old way, by loading the whole file as plain YAML. Nothing is validated here: a record that says where
it goes and then does not load (a syntax error further down, or a key given twice, which the record check
refuses) fails in its kernel, in the folder it named.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from toolkit.core.paths import YEAR_MAX, YEAR_MIN, code_problem, rubric_file

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML was built with it
_COLLECTION_START = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_COLLECTION_END = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
_MERGE = "tag:yaml.org,2002:merge"


class _Unclear(Exception):
    """The event stream does not say plainly what a full load would make of it (an alias or a merge)."""


_OTHER = object()  # a collection where a scalar was asked for, or a department that is no mapping


@dataclass(frozen=True)
class Header:
    """What the first lines of a record say about where it goes, read as plain YAML (no validation)."""

    folder: Path | None  # <year>/<code> when both could name a folder, else None
    rubric: Path | None  # the rubric file it is checked against, None when its reference names none


def read_header(record_path: Path, out_root: Path, rubric: str | None) -> Header | None:
    """The record's year, code and rubric file as written; None when the file is not a YAML mapping of them."""
    try:
        data = record_path.read_bytes()
        try:
            found = _scanned(data, want_rubric=rubric is None)
        except _Unclear:
            found = _loaded(data)
        year, code = found["year"], found["department"]["code"]
        ref = rubric if rubric is not None else found.get("rubric")
    except Exception:  # any unreadable shape: the record is loaded (and its problems reported) the full way
        return None
    # Only a year and a code the record check would accept name a folder: a 300-digit year or a code of
    # summary.html must not become a path (too long for the file system, or a file of the summary).
    fits = isinstance(year, int) and YEAR_MIN <= year <= YEAR_MAX and isinstance(code, str) and not code_problem(code)
    named = rubric_file(ref, record_path.parent if rubric is None else None) if isinstance(ref, str) and ref else None
    return Header(out_root / str(year) / code if fits else None, named)


def _loaded(data: bytes) -> dict[str, Any]:
    """The fields as a full load of the file gives them (the department reduced to its code)."""
    document = yaml.load(data, Loader=_LOADER)
    found = {key: document[key] for key in ("year", "rubric") if key in document}
    found["department"] = {"code": document["department"]["code"]}
    return found


def _scanned(data: bytes, want_rubric: bool) -> dict[str, Any]:
    """`year`, `department` ({"code": …}) and, if wanted, `rubric` from the top-level mapping, reading events
    only until all are found (or the mapping ends). Raises _Unclear where a full load could differ."""
    loader = _LOADER(data)
    try:
        for expected in (yaml.StreamStartEvent, yaml.DocumentStartEvent, yaml.MappingStartEvent):
            if not isinstance(loader.get_event(), expected):
                raise _Unclear
        wanted = {"year", "department", "rubric"} if want_rubric else {"year", "department"}
        found: dict[str, Any] = {}
        while wanted - found.keys():
            key = loader.get_event()
            if isinstance(key, yaml.MappingEndEvent):
                break
            name = _key(loader, key)  # a key given twice before the reading stops: the last, as a load has it
            if name == "department":
                found[name] = _code(loader)
            elif name in ("year", "rubric"):
                found[name] = _value(loader)
            else:
                _skip(loader)
        return found
    finally:
        loader.dispose()


def _key(loader: Any, event: Any) -> Any:
    """A mapping key as loaded; a key that is a collection, an alias or a merge (`<<`) is left to a full load."""
    if not isinstance(event, yaml.ScalarEvent):
        raise _Unclear
    return _scalar(loader, event)


def _scalar(loader: Any, event: yaml.ScalarEvent) -> Any:
    """The scalar as a load makes it: its explicit tag, or the one YAML's resolver gives its plain text."""
    if event.anchor is not None:
        raise _Unclear  # an anchored key or value could be aliased later; leave that to a full load
    tag = event.tag if event.tag not in (None, "!") else loader.resolve(yaml.ScalarNode, event.value, event.implicit)
    if tag == _MERGE:
        raise _Unclear  # `<<` merges another mapping's keys into this one
    return loader.construct_object(yaml.ScalarNode(tag, event.value, style=event.style), deep=True)


def _value(loader: Any) -> Any:
    """The next value: a scalar as loaded; a collection skipped, standing for a value that is neither an int
    nor a str (which is all the header asks of a year or a rubric)."""
    event = loader.get_event()
    if isinstance(event, yaml.ScalarEvent):
        return _scalar(loader, event)
    _skip(loader, event)
    return _OTHER


def _code(loader: Any) -> Any:
    """The department mapping's code, the rest of the mapping skipped."""
    event = loader.get_event()
    if not isinstance(event, yaml.MappingStartEvent):
        _skip(loader, event)
        return _OTHER
    code: dict[str, Any] = {}
    while not isinstance(key := loader.get_event(), yaml.MappingEndEvent):
        if _key(loader, key) == "code":
            code["code"] = _value(loader)
        else:
            _skip(loader)
    return code


def _skip(loader: Any, event: Any = None) -> None:
    """Past one node: `event` (read here when None) and, for a collection, everything up to its end."""
    event = loader.get_event() if event is None else event
    if isinstance(event, yaml.AliasEvent):
        raise _Unclear
    depth = 1 if isinstance(event, _COLLECTION_START) else 0
    while depth:
        event = loader.get_event()
        if isinstance(event, yaml.AliasEvent):
            raise _Unclear
        depth += 1 if isinstance(event, _COLLECTION_START) else -1 if isinstance(event, _COLLECTION_END) else 0
