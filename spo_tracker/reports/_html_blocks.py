"""The HTML report's repeated blocks (table rows, alert cards, defendant charts), built once.

A report of 10,000 alerts has over half a million values to escape. Written
as template expressions, each costs a Jinja attribute lookup and a call
through markupsafe's Python-level ``escape`` wrapper, which together made
rendering several times slower than the work itself. Here the blocks are
assembled in plain Python and every value still passes through
:func:`markupsafe.escape` (its C speedups do the escaping); :class:`Escaper`
memoises the escaped text of repeated strings (times, names, titles, labels)
so that each distinct string is escaped once per report. The page around the
blocks stays in the Jinja template, and the result is the same markup the
template used to produce, byte for byte.

Only our own constant markup (tags, attribute names, the severity badges) is
written unescaped; every piece of data goes through the escaper.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs
from markupsafe import Markup, escape

from spo_tracker.reports._chart import Chart, bar_chart
from spo_tracker.reports._view import DefendantActivity, EvidenceRow, Report, ReportAlert

__all__ = ["Blocks", "Escaper", "blocks"]

_NO_CJS = "none (a warning, not a suspected offence)"
_BEFORE_SERVICE = '<span class="flag">Before service</span>'
_APPEAL = '<span class="flag">Appeal pending (order still in force, SPA2019 s.7)</span>'
_EVIDENCE_HEAD = (
    "<thead><tr><th>Incident</th><th>Time (London)</th><th>Kind</th><th>Platform</th>"
    "<th>Summary</th></tr></thead>\n"
)


class Escaper(dict[object, str]):
    """:func:`markupsafe.escape` as plain text, memoised: ``escaper[value]``.

    A dictionary whose missing keys are escaped on first use, so a repeated
    string costs one lookup in C. Numbers are looked up by their text
    (``escaper[str(n)]``): ``1``, ``1.0`` and ``True`` are equal keys but print
    differently.
    """

    def __missing__(self, value: object) -> str:
        text = self[value] = str(escape(value))
        return text


@attrs.frozen
class Blocks:
    """The report's repeated blocks as markup, ready to insert into the page template.

    Attributes:
        recent_rows: the rows of the "identified in the last days" table.
        ahead_rows: the rows of the "deadlines ahead" table.
        index_rows: the rows of the alert index.
        cards: every alert's card.
        defendants: every defendant's section with its chart.
    """

    recent_rows: Markup
    ahead_rows: Markup
    index_rows: Markup
    cards: Markup
    defendants: Markup


class _Writer:
    """Writes the blocks of one report with one escaper (so repeated strings are escaped once)."""

    def __init__(self, badges: Mapping[str, Markup], kind_labels: Mapping[str, str]) -> None:
        self.e = Escaper()
        self.badges = badges
        self.kind_labels = kind_labels

    def _link(self, item: ReportAlert) -> str:
        e = self.e
        return f'<td><a href="#{e[item.anchor]}">{e[item.alert.title]}</a></td>'

    def recent_row(self, item: ReportAlert) -> str:
        """A row of the recent alerts: severity, time identified, defendant, alert, count."""
        e = self.e
        return (
            f"<tr><td>{self.badges[item.severity]}</td><td>{e[item.identified_text]}</td>"
            f"<td>{e[item.defendant_label]}</td>{self._link(item)}"
            f'<td class="num">{e[str(item.alert.count)]}</td></tr>\n'
        )

    def ahead_row(self, item: ReportAlert) -> str:
        """A row of the deadlines ahead: severity, deadline, defendant, alert."""
        e = self.e
        return (
            f"<tr><td>{self.badges[item.severity]}</td><td>{e[item.deadline_text]}</td>"
            f"<td>{e[item.defendant_label]}</td>{self._link(item)}</tr>\n"
        )

    def index_row(self, item: ReportAlert) -> str:
        """A row of the alert index: severity, when, defendant, alert, count."""
        e = self.e
        return (
            f'<tr class="alert-row" data-alert-id="{e[item.alert.alert_id]}">'
            f"<td>{self.badges[item.severity]}</td><td>{e[item.when_text]}</td>"
            f"<td>{e[item.defendant_label]}</td>{self._link(item)}"
            f'<td class="num">{e[str(item.alert.count)]}</td></tr>\n'
        )

    def evidence_row(self, row: EvidenceRow) -> str:
        """One incident of an evidence timeline (or a note that it is not available)."""
        e = self.e
        if not row.found:
            return (
                f'<tr><td>{e[row.incident_id]}</td><td colspan="4" class="muted">'
                "not available to this report</td></tr>\n"
            )
        via = " (via a third party)" if row.via_third_party else ""
        return (
            f"<tr><td>{e[row.incident_id]}</td><td>{e[row.occurred_text]}</td>"
            f"<td>{e[row.kind]}{via}</td><td>{e[row.platform or '']}</td>"
            f'<td class="summary">{e[row.summary]}</td></tr>\n'
        )

    def _evidence(self, item: ReportAlert) -> str:
        if not item.evidence:
            return ""
        rows = "".join([self.evidence_row(r) for r in item.evidence])
        return (
            f'\n<table class="evidence">\n<caption class="muted">{self.e[item.evidence_caption]}'
            f"</caption>\n{_EVIDENCE_HEAD}<tbody>\n{rows}</tbody>\n</table>\n"
        )

    def _facts(self, item: ReportAlert) -> str:
        e, a = self.e, item.alert
        persons = ""
        if item.persons:
            noun = "person" if len(item.persons) == 1 else "persons"
            persons = f"<dt>Protected {noun}</dt><dd>{e[item.persons_text]}</dd>"
        order = f"<dt>Order</dt><dd>{e[item.order_text]}</dd>" if item.order_text else ""
        deadlines = "".join(
            [f"<dt>{e[d.label]}</dt><dd>{e[d.text]}</dd>\n" for d in item.deadlines]
        )
        return (
            f'<dl class="facts">\n<dt>Alert</dt><dd>{e[a.alert_id]} '
            f"({e[self.kind_labels[a.kind.value]]}, rule {e[a.rule_id]})</dd>\n"
            f"<dt>Defendant</dt><dd>{e[item.defendant_label]}</dd>\n{persons}\n{order}\n"
            f"<dt>Section</dt><dd>{e[item.sections_text]}</dd>\n"
            f"<dt>CJS offence code</dt><dd>{e[a.cjs_code or _NO_CJS]}</dd>\n"
            f"<dt>Breach time</dt><dd>{e[item.breach_text]}</dd>\n"
            f"<dt>Time identified</dt><dd>{e[item.identified_text]}</dd>\n"
            f"<dt>First seen</dt><dd>{e[item.first_seen_text]}</dd>\n"
            f"<dt>Last seen</dt><dd>{e[item.last_seen_text]}</dd>\n"
            f"<dt>Count</dt><dd>{e[str(a.count)]}</dd>\n{deadlines}</dl>\n"
        )

    def card(self, item: ReportAlert) -> str:
        """An alert's card: title, explanation, facts, the term breached, the evidence."""
        e, a, sev = self.e, item.alert, item.severity
        flags = (_BEFORE_SERVICE if a.pre_service else "") + (_APPEAL if a.appeal_pending else "")
        term = ""
        if item.term is not None:
            term = (
                f"<p>{e[item.term.heading]}:</p>\n"
                f'<blockquote class="term">{e[item.term.text]}</blockquote>'
            )
        return (
            f'\n<article class="alert {e[sev]}" id="{e[item.anchor]}" '
            f'data-alert-id="{e[a.alert_id]}">\n'
            f"<h3>{self.badges[sev]} {e[a.title]}</h3>\n"
            f'<p class="explanation">{e[a.explanation]}</p>\n{flags}\n'
            f"{self._facts(item)}{term}\n{self._evidence(item)}\n</article>\n"
        )

    def _chart(self, chart: Chart) -> str:
        e = self.e
        bars = "".join(
            [
                f'<rect class="bar{" peak" if b.peak else ""}" x="{e[str(b.x)]}" y="{e[str(b.y)]}" '
                f'width="{e[str(b.width)]}" height="{e[str(b.height)]}">'
                f"<title>{e[b.label]}</title></rect>\n"
                for b in chart.bars
            ]
        )
        width, height, left = e[str(chart.width)], e[str(chart.height)], e[str(chart.left)]
        base, top, caption = e[str(chart.baseline)], e[str(chart.top)], e[chart.description]
        return (
            f'\n<figure>\n<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="{caption}">\n'
            f'<line class="axis" x1="{left}" y1="{base}" x2="{width}" y2="{base}"/>\n'
            f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{base}"/>\n'
            f'<text x="{e[str(chart.left - 4)]}" y="{e[str(chart.top + 4)]}" text-anchor="end">'
            f"{e[str(chart.max_count)]}</text>\n"
            f'<text x="{e[str(chart.left - 4)]}" y="{base}" text-anchor="end">0</text>\n'
            f'<text x="{left}" y="{e[str(chart.height - 6)]}">{e[chart.first_label]}</text>\n'
            f'<text x="{width}" y="{e[str(chart.height - 6)]}" text-anchor="end">'
            f"{e[chart.last_label]}</text>\n"
            f'{bars}</svg>\n<figcaption class="muted">{caption}</figcaption>\n</figure>\n'
        )

    def defendant(self, d: DefendantActivity) -> str:
        """A defendant's section: counts, the chart of incidents per day, links to the alerts."""
        e = self.e
        alerts = len(d.alert_anchors)
        counts = (
            f"{alerts} alert{'' if alerts == 1 else 's'}; {d.total} distinct evidence "
            f"incident{'' if d.total == 1 else 's'}"
        )
        if d.shown != d.total:
            counts += f", {d.shown} of them in the {d.span} days charted"
        chart = bar_chart(d)
        links = "".join(
            [
                f'<li><a href="#{e[anchor]}">{e[title]}</a></li>\n'
                for anchor, title in d.alert_anchors
            ]
        )
        return (
            f'\n<section class="defendant" id="defendant-{e[d.defendant_id]}">\n'
            f"<h3>{e[d.name or 'Name not available']} ({e[d.defendant_id]})</h3>\n"
            f'<p class="muted">{e[counts]}.</p>\n'
            f"{'' if chart is None else self._chart(chart)}\n<ul>\n{links}</ul>\n</section>\n"
        )


def blocks(
    report: Report, *, badges: Mapping[str, Markup], kind_labels: Mapping[str, str]
) -> Blocks:
    """The repeated blocks of ``report``'s HTML page, every value escaped."""
    w = _Writer(badges, kind_labels)
    return Blocks(
        recent_rows=Markup("".join([w.recent_row(i) for i in report.recent])),
        ahead_rows=Markup("".join([w.ahead_row(i) for i in report.ahead])),
        index_rows=Markup("".join([w.index_row(i) for i in report.alerts])),
        cards=Markup("".join([w.card(i) for i in report.alerts])),
        defendants=Markup("".join([w.defendant(d) for d in report.defendants])),
    )
