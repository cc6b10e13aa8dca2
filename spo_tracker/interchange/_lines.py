"""Reading an interchange file line by line, within a memory bound, and checking each line.

:class:`SourceFile` opens the file once, refuses what is not a regular file
within the size limit (a FIFO or ``/dev/zero`` would never end), and makes every
later pass read exactly the bytes the first pass validated: each line's keyed
hash is kept, and a line that differs, or a file that grew or shrank, stops the
import. :func:`read_lines` yields each line's bytes, or ``None`` for a line longer
than the line limit (by default :data:`~spo_tracker.interchange._schema.MAX_LINE_BYTES`;
skipped without being held in memory). :func:`parse_line` turns a line into a JSON object or
says why not. :class:`SchemaChecker` validates a record against the shipped
JSON Schema with ``jsonschema_rs`` (a compiled validator, one per record type):
a valid record costs one ``is_valid`` call; for a record it refuses, its errors
(instance path, schema path, kind) are turned into messages that name the field
and the rule broken, and never echo a huge value or a restricted one.
"""

from __future__ import annotations

import array
import fcntl
import functools
import hashlib
import io
import json
import os
import re
import stat
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Protocol, Self

import jsonschema_rs
from jsonschema_rs import ValidationError, Validator
from jsonschema_rs import ValidationErrorKind as Kind

from spo_tracker.errors import ImportSourceError, InvalidValueError
from spo_tracker.interchange._schema import MAX_LINE_BYTES
from spo_tracker.interchange._values import INSTANT_PATTERN, FieldError, read_instant
from spo_tracker.interchange.schema import interchange_schema

__all__ = [
    "DEFAULT_MAX_IMPORT_BYTES",
    "MAX_DEPTH",
    "LineProblem",
    "SchemaChecker",
    "SourceFile",
    "parse_line",
    "read_lines",
    "shorten",
]

_CHUNK: Final = 1 << 16
#: The largest interchange file an import reads (8 GiB); a larger one is refused unread.
DEFAULT_MAX_IMPORT_BYTES: Final = 8 * 1024**3


class LineProblem(Exception):
    """A line that is not a JSON object; the message says why."""


class _Lines(Protocol):
    def readline(self, size: int = -1, /) -> bytes: ...


def read_lines(
    stream: _Lines, digest: Any | None = None, *, max_line_bytes: int = MAX_LINE_BYTES
) -> Iterator[tuple[int, bytes | None]]:
    """``(line number, bytes without the newline)`` for each line; ``None`` for an oversize one.

    Args:
        stream: the file, opened in binary mode.
        digest: a ``hashlib`` object fed every byte read.
        max_line_bytes: the longest line read (newline excluded); longer ones give ``None``.
    """
    number = 0
    while True:
        line = stream.readline(max_line_bytes + 2)
        if not line:
            return
        number += 1
        if digest is not None:
            digest.update(line)
        content = line.rstrip(b"\r\n")
        if len(content) <= max_line_bytes and (line.endswith(b"\n") or len(line) <= max_line_bytes):
            yield number, content
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


class _Prefix(io.RawIOBase):
    """The first ``size`` bytes of an open file, read with ``pread``: what is appended
    later is never read, and the buffered reader above it reads lines in C."""

    def __init__(self, fd: int, size: int) -> None:
        super().__init__()
        self.fd = fd
        self.offset = 0
        self.size = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        wanted = min(len(buffer), self.size - self.offset)
        if wanted <= 0:
            return 0
        data = os.pread(self.fd, wanted, self.offset)
        buffer[: len(data)] = data
        self.offset += len(data)
        return len(data)


class SourceFile:
    """An interchange file opened once, read in several passes that must all see the same bytes.

    Every pass reads the same open file, no further than the size it had when it was
    opened (so lines appended later are never read). The first pass
    (:meth:`first_pass`) keeps the file's SHA-256 and a 64-bit hash of each line
    (Python's, salted per process); every later pass (:meth:`again`) stops at the first
    line whose hash differs, before it is used, and at its end compares its own SHA-256
    with the first: a difference, or a file that grew or shrank
    (:meth:`check_unchanged`), raises :class:`~spo_tracker.errors.ImportSourceError`.
    The SHA-256 is the guarantee (checked before anything is committed); the per-line
    hash stops a changed line before it is even parsed.

    Raises:
        ImportSourceError: not a regular file (a FIFO, a device, a folder), or over
            ``max_bytes``.
        InvalidValueError: ``max_bytes`` or ``max_line_bytes`` out of range.
        OSError: the file cannot be opened.
    """

    def __init__(
        self, path: str | os.PathLike[str], *, max_bytes: int, max_line_bytes: int
    ) -> None:
        _whole("max_bytes", max_bytes, 1, None)
        _whole("max_line_bytes", max_line_bytes, 1, MAX_LINE_BYTES)
        self.path = Path(path)
        self.max_line_bytes = max_line_bytes
        self._hashes = array.array("q")
        self.sha256 = ""
        fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
        try:
            found = os.fstat(fd)
            self._check(found, max_bytes)
            fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
        except BaseException:
            os.close(fd)
            raise
        self.size = found.st_size
        self._fd = fd

    def _check(self, found: os.stat_result, max_bytes: int) -> None:
        if not stat.S_ISREG(found.st_mode):
            raise ImportSourceError(
                str(self.path),
                f"it is {_kind(found.st_mode)}, not a regular file (an import reads its file "
                "several times; save the data to a file first)",
            )
        if found.st_size > max_bytes:
            raise ImportSourceError(
                str(self.path),
                f"{found.st_size:,} bytes, over the import size limit of {max_bytes:,} bytes "
                "(max_bytes; --max-bytes on the command line)",
            )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        os.close(self._fd)

    def _lines(self, digest: Any) -> Iterator[tuple[int, bytes | None]]:
        stream = io.BufferedReader(_Prefix(self._fd, self.size), buffer_size=_CHUNK)
        return read_lines(stream, digest, max_line_bytes=self.max_line_bytes)

    def first_pass(self) -> Iterator[tuple[int, bytes | None]]:
        """Every line, remembered: the pass that is validated."""
        del self._hashes[:]
        digest, append = file_digest(), self._hashes.append
        for number, raw in self._lines(digest):
            append(hash(raw))
            yield number, raw
        self.sha256 = digest.hexdigest()

    def again(self) -> Iterator[tuple[int, bytes | None]]:
        """Every line once more, each checked against the first pass before it is yielded.

        Raises:
            ImportSourceError: a line differs, there are more or fewer lines, or the
                bytes read differ from the first pass's.
        """
        hashes, count, digest = self._hashes, len(self._hashes), file_digest()
        number = 0
        for number, raw in self._lines(digest):
            if number > count or hashes[number - 1] != hash(raw):
                self._changed(f"line {number:,} is not the line that was validated")
            yield number, raw
        if number != count:
            self._changed(f"{count:,} lines were validated, {number:,} read again")
        if digest.hexdigest() != self.sha256:
            self._changed("the bytes read again are not the bytes validated")

    def check_unchanged(self) -> None:
        """Refuse a file whose size changed since it was opened (it is still being written).

        Raises:
            ImportSourceError: the file grew or shrank.
        """
        now = os.fstat(self._fd).st_size
        if now != self.size:
            self._changed(f"it was {self.size:,} bytes when opened and is {now:,} bytes now")

    def _changed(self, detail: str) -> None:
        raise ImportSourceError(
            str(self.path),
            f"the file changed while it was being imported ({detail}); import it again "
            "once it is complete",
        )


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def _whole(name: str, value: object, low: int, high: int | None) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise InvalidValueError(name, value, f"must be a whole number, {low} or more")
    if high is not None and value > high:
        raise InvalidValueError(name, value, f"must be at most {high:,}")


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
    # Counting brackets is C-speed; only a line with many of them is walked.
    if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH and _too_deep(value):
        raise LineProblem(f"JSON nested too deeply (more than {MAX_DEPTH} levels)")
    return value


#: The deepest nesting of arrays and objects a line may have (the record itself is level 1;
#: the deepest valid record has about 10). jsonschema-rs stops at about 255 levels with a
#: ValueError, Python's json at about 1,000 with a RecursionError.
MAX_DEPTH: Final = 64


def _too_deep(value: dict[str, Any]) -> bool:
    """Whether ``value`` holds arrays or objects nested more than :data:`MAX_DEPTH` deep."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        for child in item.values() if isinstance(item, dict) else item:
            if isinstance(child, dict | list):
                stack.append((child, depth + 1))
    return False


def shorten(value: Any, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters so that huge values are not echoed."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


_DAY: Final = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


class SchemaChecker:
    """Validates records of each type against the shipped schema's definition of that type."""

    def __init__(self) -> None:
        self._schema = interchange_schema()
        self._validators: dict[str, Validator] = {}

    def _document(self, kind: str) -> dict[str, Any]:
        return {
            "$schema": self._schema["$schema"],
            "$defs": self._schema["$defs"],
            "$ref": f"#/$defs/{kind}",
        }

    def problems(
        self, kind: str, record: Mapping[str, Any], *, withhold: bool = False
    ) -> list[tuple[str, str]]:
        """``(field path, message)`` for each way ``record`` breaks the schema of ``kind``.

        Args:
            withhold: quote no value at all (a protected person's record: any of its
                fields may carry their name or whereabouts).
        """
        validator = self._validators.get(kind)
        if validator is None:
            validator = self._validators[kind] = jsonschema_rs.validator_for(self._document(kind))
        try:
            if validator.is_valid(record):
                return []
            errors = list(_leaves(validator.iter_errors(record)))
        except ValueError:  # "Recursion limit reached": parse_line refuses such lines first
            return [("", "too deeply nested to check")]
        found = [_explain(error, withhold) for error in errors]
        if not found:  # pragma: no cover - is_valid and iter_errors are one engine's verdicts
            found = [("", "refused by the JSON Schema")]
        return sorted(set(found))


def _leaves(errors: Iterable[ValidationError]) -> Iterator[ValidationError]:
    """The most specific errors: where no branch of an ``anyOf`` or ``oneOf`` holds, each
    branch's own errors (``oneOf`` with several branches holding is its own error)."""
    for error in errors:
        kind = error.kind
        branches = kind.context if isinstance(kind, Kind.AnyOf | Kind.OneOfNotValid) else []
        inner = [e for branch in branches for e in branch]
        if inner:
            yield from _leaves(inner)
        else:
            yield error


def _path(parts: Iterable[str | int]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


#: A field name that is shown as it is when unknown (anything else may be misplaced data).
_FIELD_NAME: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,39}\Z")
#: A refused text that is quoted (a code, a day, an instant): no spaces, at most 40 characters.
_CODE_LIKE: Final = re.compile(r"^[A-Za-z0-9_.:+\-]{1,40}\Z")
#: A date and time with a space between them (a naive timestamp, named as one): quoted too.
_DATE_TIME: Final = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[ Tt][0-9:.+\-Zz]{1,30}\Z")


def _extra_item(error: ValidationError) -> bool:
    """An item past the last one ``prefixItems`` allows (``"items": false``): reported on
    the item, explained on its array (as "too many items", not by quoting the item)."""
    return (
        isinstance(error.kind, Kind.FalseSchema)
        and error.schema_path[-1:] == ["items"]
        and bool(error.instance_path)
        and isinstance(error.instance_path[-1], int)
    )


def _explain(error: ValidationError, withhold: bool = False) -> tuple[str, str]:
    """A ``jsonschema_rs`` error as ``(field path, message)``, naming the value but never all
    of it (and none of it when ``withhold`` is set or the field is restricted).

    The field path is the error's instance path; the rule is its kind (the keyword
    broken), with the keyword's value (a limit, the codes allowed) taken from the kind,
    never parsed out of the engine's message.
    """
    kind = error.kind
    path = _path(error.instance_path)
    if isinstance(kind, Kind.Required):
        return (f"{path}.{kind.property}" if path else kind.property), "is required"
    if isinstance(kind, Kind.AdditionalProperties):
        hide = withhold or path.startswith(_RESTRICTED)
        return path, _unknown_fields(kind.unexpected, hide=hide)
    if _extra_item(error):
        path = _path(error.instance_path[:-1])
        if withhold or path.startswith(_RESTRICTED):
            return path, "has the wrong number of items (value withheld: restricted)"
        return path, "has more items than allowed"
    if withhold or path.startswith(_RESTRICTED):
        return path, _withheld(kind)
    return path, _message(error)


#: A protected person's whereabouts: schema errors there never quote the value.
_RESTRICTED: Final = "attributes.restricted"


def _unknown_fields(names: list[str], *, hide: bool) -> str:
    """The unknown fields of an object: each named only if it looks like a field name (at
    most 40 letters, digits and underscores) and ``hide`` is not set; the others counted
    (a file can put a name or a postcode, of any length, where a field name goes)."""
    shown = [repr(n) for n in sorted(names) if not hide and _FIELD_NAME.match(n)]
    withheld = len(names) - len(shown)
    names_withheld = f"(name{'s' if withheld > 1 else ''} withheld)"
    if not shown:
        what = "an unknown field" if withheld == 1 else f"{withheld:,} unknown fields"
        return f"{what} {names_withheld}"
    many = len(shown) + withheld > 1
    text = f"unknown field{'s' if many else ''} {', '.join(shown)}"
    return f"{text} and {withheld:,} more {names_withheld}" if withheld else text


def _types(kind: Kind.Type) -> str:
    return " or ".join(kind.types)


def _withheld(kind: Kind) -> str:
    """What is wrong with a restricted value, without the value (it may be an address)."""
    if isinstance(kind, Kind.Type):
        problem = f"is not of type {_types(kind)}"
    elif isinstance(kind, Kind.Minimum):
        problem = f"is below the minimum of {kind.limit}"
    elif isinstance(kind, Kind.Maximum):
        problem = f"is above the maximum of {kind.limit}"
    elif isinstance(kind, Kind.MinLength):
        problem = "must not be empty"
    elif isinstance(kind, Kind.MinItems | Kind.MaxItems):
        problem = "has the wrong number of items"
    else:
        problem = _rule(kind)
    return f"{problem} (value withheld: restricted)"


def _rule(kind: Kind) -> str:
    """The rule a value breaks, from the rule alone (the engine's own message quotes the value)."""
    if isinstance(kind, Kind.MinItems):
        return f"has fewer than {kind.limit:,} items"
    if isinstance(kind, Kind.UniqueItems):
        return "has repeated items"
    if isinstance(kind, Kind.MinProperties):
        return f"has fewer than {kind.limit:,} fields"
    if isinstance(kind, Kind.MaxProperties):
        return f"has more than {kind.limit:,} fields"
    if isinstance(kind, Kind.FalseSchema):
        return "is not allowed here"
    return f"breaks the schema rule {kind.name!r}"


def _message(error: ValidationError) -> str:
    kind, value = error.kind, error.instance
    if isinstance(kind, Kind.Pattern):
        if kind.pattern == INSTANT_PATTERN:
            if _quotable(value):
                return _instant_message(value)
            return f"{_shown(value)} is not an RFC 3339 instant with a UTC offset"
        if kind.pattern == _DAY:
            return f"{_quoted(value)} is not a calendar day (YYYY-MM-DD)"
        # Free text: it may be a summary or note carrying a victim's details.
        return "contains characters not allowed here (control characters; value withheld)"
    if isinstance(kind, Kind.MaxLength):
        return f"{_size(value):,} characters, over the limit of {kind.limit:,} (oversize field)"
    if isinstance(kind, Kind.MaxItems):
        return f"{_size(value):,} items, over the limit of {kind.limit:,} (oversize field)"
    if isinstance(kind, Kind.MinLength):
        return "must not be empty"
    if isinstance(kind, Kind.Enum):
        return f"{_quoted(value)} is not a known code; expected one of {_codes(kind.options)}"
    if isinstance(kind, Kind.Constant):
        return f"{_quoted(value)}: expected {kind.expected_value!r}"
    if isinstance(kind, Kind.Type):
        return f"{_shown(value)} is not of type {_types(kind)}"
    if isinstance(kind, Kind.Minimum):
        return f"{_quoted(value)} is below the minimum of {kind.limit}"
    if isinstance(kind, Kind.Maximum):
        return f"{_quoted(value)} is above the maximum of {kind.limit}"
    if isinstance(kind, Kind.ExclusiveMinimum):
        return f"{_quoted(value)} is not above {kind.limit}"
    if isinstance(kind, Kind.ExclusiveMaximum):
        return f"{_quoted(value)} is not below {kind.limit}"
    return _rule(kind)


def _size(value: Any) -> int:
    """The length of a text or a list (the kinds that break a length limit)."""
    return len(value) if isinstance(value, str | list | dict) else 0


def _shown(value: Any) -> str:
    """A value of the wrong type as a message shows it: numbers, booleans and null as they
    are; text, lists and objects by their JSON type only (they may carry free text)."""
    if value is None or isinstance(value, bool | int | float):
        return shorten(value)
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def _quotable(value: Any) -> bool:
    """Whether a refused value may be quoted: a number, a boolean, null, a short text with
    no spaces (a code, a day, an instant) or a date and time; never an array or an object."""
    if value is None or isinstance(value, bool | int | float):
        return True
    return isinstance(value, str) and bool(_CODE_LIKE.match(value) or _DATE_TIME.match(value))


def _quoted(value: Any) -> str:
    """A refused value as a message shows it: quoted if :func:`_quotable`, else by its JSON
    type ("a string", "an array", "an object")."""
    return shorten(value) if _quotable(value) else _shown(value)


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
