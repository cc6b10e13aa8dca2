"""Reading an interchange file line by line, within a memory bound, and checking each line.

:func:`read_lines` yields each line's bytes, or ``None`` for a line longer
than :data:`~spo_tracker.interchange._schema.MAX_LINE_BYTES` (skipped without
being held in memory). :func:`parse_line` turns a line into a JSON object or
says why not. :class:`SchemaChecker` validates a record against the shipped
JSON Schema: ``jsonschema_rs`` (a compiled validator) accepts valid records
quickly; a record it refuses is checked again by ``jsonschema``, whose errors
are turned into messages that name the field and never echo a huge value.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from typing import IO, Any, Final, Protocol

import jsonschema
from jsonschema.protocols import Validator

from spo_tracker.interchange._schema import MAX_LINE_BYTES
from spo_tracker.interchange._values import INSTANT_PATTERN, FieldError, read_instant
from spo_tracker.interchange.schema import schema

__all__ = ["LineProblem", "SchemaChecker", "parse_line", "read_lines", "shorten"]

_CHUNK: Final = 1 << 16


class LineProblem(Exception):
    """A line that is not a JSON object; the message says why."""


def read_lines(stream: IO[bytes], digest: Any | None = None) -> Iterator[tuple[int, bytes | None]]:
    """``(line number, bytes without the newline)`` for each line; ``None`` for an oversize one.

    Args:
        stream: the file, opened in binary mode.
        digest: a ``hashlib`` object fed every byte read (to notice a file that changes
            between the passes of an import).
    """
    number = 0
    while True:
        line = stream.readline(MAX_LINE_BYTES + 2)
        if not line:
            return
        number += 1
        if digest is not None:
            digest.update(line)
        if line.endswith(b"\n") or len(line) <= MAX_LINE_BYTES:
            yield number, line.rstrip(b"\r\n")
            continue
        # Oversize: skip the rest of the line in chunks, never holding it whole.
        while not line.endswith(b"\n"):
            line = stream.readline(_CHUNK)
            if not line:
                break
            if digest is not None:
                digest.update(line)
        yield number, None


def file_digest() -> Any:
    """A fresh SHA-256 for :func:`read_lines`."""
    return hashlib.sha256()


def _no_constants(name: str) -> Any:
    raise LineProblem(f"{name} is not a JSON number")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise LineProblem(f"the key {key!r} appears twice in one object")
        out[key] = value
    return out


#: One decoder for every line: json.loads() with options builds a new one per call.
_DECODER: Final = json.JSONDecoder(object_pairs_hook=_unique_keys, parse_constant=_no_constants)


def parse_line(raw: bytes) -> dict[str, Any]:
    """The JSON object on a line.

    Raises:
        LineProblem: not UTF-8, not JSON, NaN or Infinity, a key twice in an object, or
            not an object.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise LineProblem(f"not UTF-8 text (byte {error.start + 1})") from None
    if not text.strip():
        raise LineProblem("blank line: every line must hold one JSON object")
    try:
        value = _DECODER.decode(text)
    except json.JSONDecodeError as error:
        raise LineProblem(f"not JSON: {error.msg} at column {error.colno}") from None
    except RecursionError:
        raise LineProblem("JSON nested too deeply to read") from None
    except ValueError:  # the one other ValueError: an integer of more than 4,300 digits
        raise LineProblem("a number with more digits than can be read (4,300)") from None
    if not isinstance(value, dict):
        raise LineProblem(f"expected a JSON object, found {type(value).__name__}")
    return value


def shorten(value: Any, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters so that huge values are not echoed."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class _FastValidator(Protocol):
    def is_valid(self, instance: Any) -> bool: ...


def _fast(document: Mapping[str, Any]) -> _FastValidator | None:
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - jsonschema_rs is a dependency; this is a fallback
        return None
    validator: _FastValidator = jsonschema_rs.validator_for(dict(document))
    return validator


_DAY: Final = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_REQUIRED: Final = re.compile(r"^'(?P<name>.+)' is a required property$")


class SchemaChecker:
    """Validates records of each type against the shipped schema's definition of that type."""

    def __init__(self) -> None:
        self._schema = schema()
        self._slow: dict[str, Validator] = {}
        self._quick: dict[str, _FastValidator | None] = {}

    def _document(self, kind: str) -> dict[str, Any]:
        return {
            "$schema": self._schema["$schema"],
            "$defs": self._schema["$defs"],
            "$ref": f"#/$defs/{kind}",
        }

    def problems(self, kind: str, record: Mapping[str, Any]) -> list[tuple[str, str]]:
        """``(field path, message)`` for each way ``record`` breaks the schema of ``kind``."""
        if kind not in self._quick:
            self._quick[kind] = _fast(self._document(kind))
        quick = self._quick[kind]
        if quick is not None and quick.is_valid(record):
            return []
        slow = self._slow.get(kind)
        if slow is None:
            slow = self._slow[kind] = jsonschema.Draft202012Validator(self._document(kind))
        found = [_explain(error) for error in _leaves(slow.iter_errors(record))]
        if not found and quick is not None:
            # The two validators disagree: trust the stricter one, and say so.
            found = [("", "refused by the JSON Schema (jsonschema_rs)")]
        return sorted(set(found))


def _leaves(errors: Iterator[jsonschema.ValidationError]) -> Iterator[jsonschema.ValidationError]:
    """The most specific errors: inside an ``if``/``then``, the branch's own errors."""
    for error in errors:
        if error.context:
            yield from _leaves(iter(error.context))
        else:
            yield error


def _path(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _explain(error: jsonschema.ValidationError) -> tuple[str, str]:
    """A jsonschema error as ``(field path, message)``, naming the value but never all of it."""
    path = _path(error.absolute_path)
    value, rule, limit = error.instance, error.validator, error.validator_value
    if rule == "required":
        match = _REQUIRED.match(error.message)
        name = match["name"] if match else "?"
        return (f"{path}.{name}" if path else name), "is required"
    if rule == "additionalProperties":
        known = set(error.schema.get("properties", {})) if isinstance(error.schema, dict) else set()
        extra = sorted(set(value) - known) if isinstance(value, dict) else []
        return path, f"unknown field{'s' if len(extra) > 1 else ''} {', '.join(map(repr, extra))}"
    if path.startswith(_RESTRICTED):
        return path, _withheld(rule, limit)
    return path, _message(rule, value, limit, error)


#: A protected person's whereabouts: schema errors there never quote the value.
_RESTRICTED: Final = "attributes.restricted"


def _withheld(rule: Any, limit: Any) -> str:
    """What is wrong with a restricted value, without the value (it may be an address)."""
    if rule == "type":
        expected = limit if isinstance(limit, str) else " or ".join(limit)
        problem = f"is not of type {expected}"
    elif rule in ("minimum", "maximum"):
        problem = (
            f"is {'below the minimum' if rule == 'minimum' else 'above the maximum'} of {limit}"
        )
    elif rule == "minLength":
        problem = "must not be empty"
    elif rule in ("items", "prefixItems", "minItems", "maxItems"):
        problem = "has the wrong number of items"
    else:
        problem = f"breaks the schema rule {rule!r}"
    return f"{problem} (value withheld: restricted)"


def _message(rule: Any, value: Any, limit: Any, error: jsonschema.ValidationError) -> str:
    if rule == "pattern" and limit == INSTANT_PATTERN:
        return _instant_message(value)
    if rule == "pattern" and limit == _DAY:
        return f"{shorten(value)} is not a calendar day (YYYY-MM-DD)"
    if rule == "pattern":
        return f"{shorten(value)} contains characters not allowed here (control characters)"
    if rule == "maxLength":
        return f"{len(value):,} characters, over the limit of {limit:,} (oversize field)"
    if rule == "maxItems":
        return f"{len(value):,} items, over the limit of {limit:,} (oversize field)"
    if rule == "minLength":
        return "must not be empty"
    if rule == "enum":
        return f"{shorten(value)} is not a known code; expected one of {_codes(limit)}"
    if rule == "const":
        return f"{shorten(value)}: expected {limit!r}"
    if rule == "type":
        expected = limit if isinstance(limit, str) else " or ".join(limit)
        return f"{shorten(value)} is not of type {expected}"
    return error.message if len(error.message) <= 200 else error.message[:197] + "..."


def _instant_message(value: Any) -> str:
    try:
        read_instant(value, "")
    except FieldError as problem:
        return problem.message
    return f"{shorten(value)} is not an RFC 3339 instant"  # pragma: no cover - pattern refused it


def _codes(values: Any) -> str:
    shown = [v for v in values if v is not None]
    text = ", ".join(str(v) for v in shown[:25])
    return text + (", ..." if len(shown) > 25 else "") + (" or null" if None in values else "")


@functools.cache
def checker() -> SchemaChecker:
    """The process's schema checker (built on first use, then shared)."""
    return SchemaChecker()
