"""The interchange format's JSON Schema: the file shipped in the package, and its generator.

``python -m spo_tracker.interchange.schema`` prints the schema that
:func:`~spo_tracker.interchange._schema.build_schema` builds from the domain's
codes; the package ships that text as ``interchange-1.0.schema.json`` and a
test fails when the two differ.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any, Final

from spo_tracker.interchange._schema import FORMAT_VERSION, build_schema

__all__ = ["SCHEMA_FILE", "schema", "schema_text"]

#: The name of the shipped schema file, inside the ``spo_tracker.interchange`` package.
SCHEMA_FILE: Final = f"interchange-{FORMAT_VERSION}.schema.json"


def schema_text() -> str:
    """The schema as the text of the shipped file (2-space indent, trailing newline)."""
    return json.dumps(build_schema(), indent=2, ensure_ascii=False) + "\n"


@functools.cache
def schema() -> dict[str, Any]:
    """The shipped schema (read once, on first use; nothing is read at import)."""
    text = resources.files("spo_tracker.interchange").joinpath(SCHEMA_FILE).read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


if __name__ == "__main__":  # pragma: no cover - the regeneration command
    print(schema_text(), end="")
