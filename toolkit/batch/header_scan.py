"""The reading behind toolkit.batch.header: a record's year, department code and rubric reference off its YAML
event stream (libyaml when PyYAML has it), stopping once they are found; what the stream does not say plainly
(an alias, a merge key `<<`, a key that is a collection) is read by loading the whole file as plain YAML.

Its own module because of PyYAML: importing it is a tenth of an unchanged re-run, which reads no record this
way (toolkit.batch.hints).
"""

from __future__ import annotations

from typing import Any

import yaml

from toolkit.batch.header import Fields

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML was built with it
_COLLECTION_START = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_COLLECTION_END = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
_MERGE = "tag:yaml.org,2002:merge"


class _Unclear(Exception):
    """The event stream does not say plainly what a full load would make of it (an alias or a merge)."""


_OTHER = object()  # a collection where a scalar was asked for, or a department that is no mapping


def fields(data: bytes, want_rubric: bool) -> Fields | None:
    """The record's year, department code and (if wanted) rubric reference as written; None when the bytes are
    not a YAML mapping of them."""
    try:
        try:
            found = _scanned(data, want_rubric)
        except _Unclear:
            found = _loaded(data)
        return Fields(found["year"], found["department"]["code"], found.get("rubric"))
    except Exception:  # any unreadable shape: the record is loaded (and its problems reported) the full way
        return None


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
