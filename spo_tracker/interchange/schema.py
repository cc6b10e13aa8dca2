"""The interchange format's JSON Schema: the file shipped in the package, and its generator.

``python -m spo_tracker.interchange.schema`` prints the schema that
:func:`~spo_tracker.interchange._schema.build_schema` builds from the domain's
codes; the package ships that text as ``interchange-1.1.schema.json`` and a
test fails when the two differ.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from importlib import resources
from typing import Any, Final

from spo_tracker.interchange._schema import FORMAT_VERSION, RECORD_TYPES, build_schema

__all__ = [
    "INTERCHANGE_SCHEMA_FILE",
    "field_reference_markdown",
    "interchange_schema",
    "schema_text",
]

#: The name of the shipped schema file, inside the ``spo_tracker.interchange`` package.
INTERCHANGE_SCHEMA_FILE: Final = f"interchange-{FORMAT_VERSION}.schema.json"


def schema_text() -> str:
    """The schema as the text of the shipped file (2-space indent, trailing newline)."""
    return json.dumps(build_schema(), indent=2, ensure_ascii=False) + "\n"


@functools.cache
def interchange_schema() -> dict[str, Any]:
    """The shipped schema (read once, on first use; nothing is read at import)."""
    text = (
        resources.files("spo_tracker.interchange")
        .joinpath(INTERCHANGE_SCHEMA_FILE)
        .read_text("utf-8")
    )
    loaded: dict[str, Any] = json.loads(text)
    return loaded


# --------------------------------------------------------------------------- field reference


def _kind(node: Mapping[str, Any], defs: Mapping[str, Any]) -> str:
    """A short description of a schema node's type, for the field reference."""
    ref = node.get("$ref")
    if ref:
        name = ref.rsplit("/", 1)[1]
        base = name.removesuffix("_or_null")
        return f"{base} or null" if name != base else base
    if "enum" in node:
        codes = [c for c in node["enum"] if c is not None]
        shown = ", ".join(f"`{c}`" for c in codes[:12]) + (", ..." if len(codes) > 12 else "")
        return f"code: {shown}" + (" or null" if None in node["enum"] else "")
    if "const" in node:
        return f"`{node['const']}`"
    types = node.get("type")
    kinds = types if isinstance(types, list) else [types]
    nullable = " or null" if "null" in kinds else ""
    main = next((k for k in kinds if k != "null"), "value")
    if main == "array":
        return f"list of {_kind(node.get('items') or {}, defs)}{nullable}"
    if main == "object" and set(node.get("properties", {})) >= {"type", "id"}:
        target = node["properties"]["type"].get("const", "record")
        return f"→ {target}{nullable}"
    if main == "string" and "maxLength" in node:
        return f"text (≤ {node['maxLength']:,}){nullable}"
    return f"{main}{nullable}"


def _rows(prefix: str, node: Mapping[str, Any], defs: Mapping[str, Any]) -> list[str]:
    required = set(node.get("required", ()))
    rows = []
    for name, sub in node.get("properties", {}).items():
        described = sub.get("description", "")
        rows.append(
            f"| `{prefix}{name}` | {_kind(sub, defs)} | {'yes' if name in required else ''} "
            f"| {described.replace('|', '/')} |"
        )
    return rows


_HEAD: Final = ("| Field | Type | Required | Meaning |", "|---|---|---|---|")


def _record_section(kind: str, record: Mapping[str, Any], defs: Mapping[str, Any]) -> list[str]:
    lines = [f"### `{kind}`", "", record.get("description", ""), "", *_HEAD]
    properties = record["properties"]
    lines += _rows("attributes.", properties["attributes"], defs)
    lines += _rows("relationships.", properties.get("relationships", {}), defs)
    for branch in record.get("allOf", ()):
        for part in ("then", "else"):
            sub = branch.get(part, {}).get("properties", {})
            if kind == "person" and sub:
                role = sub["attributes"]["properties"]["role"]["const"]
                lines += ["", f"With `role` `{role}`:", "", *_HEAD]
                lines += _rows("attributes.", sub["attributes"], defs)
                lines += _rows("relationships.", sub.get("relationships", {}), defs)
    return [*lines, ""]


def _term_parameters(record: Mapping[str, Any], defs: Mapping[str, Any]) -> list[str]:
    lines = ["### Term parameters, by code", ""]
    for branch in record.get("allOf", ()):
        code = branch["if"]["properties"]["attributes"]["properties"]["code"]["const"]
        parameters = branch["then"]["properties"]["attributes"]["properties"]["parameters"]
        lines += [f"`{code}`: {parameters.get('description', '')}", "", *_HEAD]
        lines += _rows("", parameters, defs) or ["| (none) | | | |"]
        lines.append("")
    return lines


def field_reference_markdown() -> str:
    """The field reference of ``docs/interchange.md``, generated from the schema.

    Every record type's attributes and relationships with their types, whether
    required, and meaning; then each term code's parameters. A test compares
    the committed page's generated block with this.
    """
    document = build_schema()
    defs = document["$defs"]
    lines = ["### `header`", "", defs["header"]["description"], "", *_HEAD]
    lines += [*_rows("", defs["header"], defs), ""]
    for kind in RECORD_TYPES:
        lines += _record_section(kind, defs[kind], defs)
    lines += _term_parameters(defs["term"], defs)
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":  # pragma: no cover - the regeneration command
    print(schema_text(), end="")
