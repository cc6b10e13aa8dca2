"""The interchange format: POLE-aligned JSON Lines, import that never half-imports, export.

A file is JSON Lines: a header, then one typed record per line (``person``,
``identity``, ``location``, ``incident``, ``application``, ``order``,
``order_version``, ``term``, ``notification_duty``, ``compliance``, ``alert``), each with a
stable external ``id``, ``attributes`` and typed ``relationships`` to other
records by id. Enumerations are coded (CJS offence and result codes, Home
Office Counting Rules classifications, the term catalogue's codes); zones are
GeoJSON. The JSON Schema ships in this package (:func:`interchange_schema`) and is
published in ``docs/interchange.md``.

- :func:`export_file` / :func:`write_store`: a store to a file or stream.
- :func:`write_dataset`: domain objects held by the caller to a stream.
- :func:`import_file`: a file into a store, all or nothing; a bad file raises
  :class:`~spo_tracker.errors.ImportValidationError` listing every problem with
  its line and field.
"""

from __future__ import annotations

from spo_tracker.interchange._export import (
    Dataset,
    ExportReport,
    export_file,
    write_dataset,
    write_store,
)
from spo_tracker.interchange._import import DEFAULT_MAX_IMPORT_BYTES, ImportReport, import_file
from spo_tracker.interchange._schema import (
    FORMAT_VERSION,
    INTERCHANGE_FORMAT,
    MAX_LINE_BYTES,
    POLE,
    READABLE_VERSIONS,
    RECORD_TYPES,
)
from spo_tracker.interchange.schema import INTERCHANGE_SCHEMA_FILE, interchange_schema

__all__ = [
    "DEFAULT_MAX_IMPORT_BYTES",
    "FORMAT_VERSION",
    "INTERCHANGE_FORMAT",
    "INTERCHANGE_SCHEMA_FILE",
    "MAX_LINE_BYTES",
    "POLE",
    "READABLE_VERSIONS",
    "RECORD_TYPES",
    "Dataset",
    "ExportReport",
    "ImportReport",
    "export_file",
    "import_file",
    "interchange_schema",
    "write_dataset",
    "write_store",
]
