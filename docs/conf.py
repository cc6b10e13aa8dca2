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
html_theme = "alabaster"
autodoc_typehints = "description"
nitpicky = False
