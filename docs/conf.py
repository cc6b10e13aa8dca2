"""Sphinx configuration; the site is built with warnings as errors."""

from __future__ import annotations

from importlib.metadata import version as _version

project = "spo_tracker"
author = "spo_tracker maintainers"
release = _version("spo-tracker")
extensions = ["myst_parser", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinxcontrib.mermaid"]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
exclude_patterns = ["_build"]
myst_fence_as_directive = ["mermaid"]
# Headings down to ### get anchors, so pages link to each other's sections (page.md#slug).
myst_heading_anchors = 3
html_theme = "alabaster"
autodoc_typehints = "description"
# "Attributes:" sections become :ivar: fields, so they do not clash with autodoc's own
# entries for NamedTuple fields and attrs attributes (duplicate object descriptions).
napoleon_use_ivar = True
nitpicky = False
