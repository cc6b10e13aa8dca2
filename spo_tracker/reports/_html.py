"""The HTML report: one self-contained file, safe with hostile text.

Rendered with Jinja2 from templates shipped in this package, with
autoescaping on for every value: an incident summary containing ``<script>``
shows as text. The repeated blocks (table rows, alert cards, defendant
charts) are assembled by :mod:`spo_tracker.reports._html_blocks`, which
escapes every value with markupsafe just as the template would, only faster.
The file needs no network: the stylesheet is inline, charts are inline SVG,
and there are no fonts, images or scripts to fetch. A Content Security Policy
allows only that one stylesheet (by its SHA-256), so even a mistake in
escaping could not run a script.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from importlib.resources import files
from typing import Final

import jinja2
from markupsafe import Markup

from spo_tracker import __version__
from spo_tracker.domain.alerts import AlertKind, Severity
from spo_tracker.reports._html_blocks import blocks
from spo_tracker.reports._time import london_text
from spo_tracker.reports._view import RECENT_DAYS, Report

__all__ = ["KIND_LABELS", "MARKING", "render_html"]

#: The Government Security Classification marking, at the top and bottom of every page
#: (on screen: the first and last lines; in print: every sheet's top and bottom margin).
MARKING: Final = "OFFICIAL-SENSITIVE"

#: How each alert kind is named for people.
KIND_LABELS: Final = {
    AlertKind.BREACH.value: "Suspected breach",
    AlertKind.NOTIFICATION.value: "Notification failure",
    AlertKind.ESCALATION.value: "Escalation",
    AlertKind.COURSE_OF_CONDUCT.value: "Course of conduct",
    AlertKind.INTERIM_ENDING.value: "Interim order ending",
    AlertKind.RENEWAL_REVIEW.value: "Renewal review",
    AlertKind.DEADLINE_APPROACHING.value: "Deadline approaching",
}


@functools.cache
def _environment() -> jinja2.Environment:
    """The Jinja2 environment, built on first use (nothing happens at import)."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("spo_tracker.reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


@functools.cache
def _stylesheet() -> tuple[Markup, str]:
    """The packaged stylesheet and its CSP hash source (``sha256-...``)."""
    css = files("spo_tracker.reports").joinpath("templates/report.css").read_text("utf-8")
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    # Our own packaged file, not data: it is inserted verbatim.
    return Markup(css), f"sha256-{digest}"


@functools.cache
def _badges() -> dict[str, Markup]:
    """The severity label of each severity, as markup built once (codes are fixed ASCII)."""
    return {s.value: Markup(f'<span class="sev sev-{s.value}">{s.value}</span>') for s in Severity}


def render_html(report: Report, *, schema_version: str) -> str:
    """The report as one self-contained HTML document."""
    css, style_hash = _stylesheet()
    template = _environment().get_template("report.html.j2")
    badges = _badges()
    return template.render(
        report=report,
        css=css,
        style_hash=style_hash,
        version=__version__,
        schema_version=schema_version,
        recent_days=RECENT_DAYS,
        kind_labels=KIND_LABELS,
        since_text="" if report.since is None else london_text(report.since),
        badge=badges,
        marking=MARKING,
        blocks=blocks(report, badges=badges, kind_labels=KIND_LABELS),
    )
