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

from collections.abc import Iterable, Mapping, Sequence
from typing import Final

import attrs
from markupsafe import Markup, escape

from spo_tracker.detection.explain import REVIEW_NOTE
from spo_tracker.reports._chart import Chart, bar_chart
from spo_tracker.reports._view import (
    DefendantActivity,
    EvidenceRow,
    OrderFacts,
    Report,
    ReportAlert,
    TermFacts,
)

__all__ = ["EVIDENCE_SHOWN", "GROUP", "TABLE_CHUNK", "Blocks", "Escaper", "blocks", "grouped"]

#: An evidence timeline shows this many incidents; the rest wait behind "show the other N".
EVIDENCE_SHOWN: Final = 5
#: Cards, orders and defendant sections come in groups of this many, each laid out only when
#: scrolled near: one containment per group costs the browser far less than one per card.
GROUP: Final = 50
#: Long tables are cut into tables of this many rows, each laid out only when scrolled near
#: (``content-visibility: auto``): one table of 10,000 rows is laid out whole on load.
TABLE_CHUNK: Final = 200

_PEAK = ' class="peak"'  # numbers are formatted here, never data: nothing to escape
_NO_CJS = "no CJS offence code (a warning, not a suspected offence)"
_BEFORE_SERVICE = '<span class="flag">Before service</span>'
_APPEAL = '<span class="flag">Appeal pending (order still in force, SPA2019 s.7)</span>'
_EVIDENCE_HEAD = "</th><th>London time</th><th>What</th></tr></thead>"
#: The page's notice says this once; every breach explanation ends with it.
_REVIEW_SUFFIX: Final = " " + REVIEW_NOTE


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
        recent: the table of the alerts identified in the last days (empty without any).
        ahead: the table of the deadlines ahead (empty without any).
        cards: every alert's card.
        orders: every order an alert concerns, once, with the terms the alerts cite.
        defendants: every defendant's section with its chart.
    """

    recent: Markup
    ahead: Markup
    cards: Markup
    orders: Markup
    defendants: Markup


def _shorter(item: ReportAlert) -> str:
    """The explanation without what the card states beside it: the reminder that a court
    decides (said once at the top), the offence sentence (the Sections line) and the quoted
    term (linked). Matched exactly, so text that differs in any way is kept whole."""
    a = item.alert
    text = a.explanation.replace(_REVIEW_SUFFIX, "")
    text = text.replace(
        f" Suspected offence: breach of a Stalking Protection Order ({a.section}), "
        f"CJS offence code {a.cjs_code}.",
        "",
    )
    if item.term is not None and item.term.quoted:
        text = text.replace(f', which reads: "{item.term.quoted}"', ".")
    return text


def grouped(parts: Sequence[str]) -> str:
    """``parts`` in ``div.group`` wrappers of :data:`GROUP` each (laid out near the viewport)."""
    return "".join(
        [
            '<div class="group">\n' + "".join(parts[i : i + GROUP]) + "</div>\n"
            for i in range(0, len(parts), GROUP)
        ]
    )


def chunked_table(css_class: str, head: str, rows: Sequence[str]) -> str:
    """A long table as tables of :data:`TABLE_CHUNK` rows, the head on the first only.

    Each chunk sits in its own ``div.rows`` that the browser lays out only near the
    viewport; a fixed table layout keeps the columns of the chunks aligned.
    """
    if not rows:
        return ""
    parts = []
    for start in range(0, len(rows), TABLE_CHUNK):
        body = "".join(rows[start : start + TABLE_CHUNK])
        thead = f"<thead>{head}</thead>\n" if start == 0 else ""
        parts.append(
            f'<div class="rows"><table class="{css_class}">\n{thead}<tbody>\n{body}'
            "</tbody>\n</table></div>\n"
        )
    return "".join(parts)


class _Writer:
    """Writes the blocks of one report with one escaper (so repeated strings are escaped once).

    It also remembers what it has written: a timeline already shown in full on an
    earlier card, and the anchors of the orders and terms the cards link to.
    """

    def __init__(self, badges: Mapping[str, Markup], kind_labels: Mapping[str, str]) -> None:
        self.e = Escaper()
        self.badges = badges
        self.kind_labels = kind_labels
        self.timelines: dict[tuple[str, ...], str] = {}
        self.orders: dict[str, OrderFacts] = {}
        self.terms: dict[tuple[str, TermFacts], str] = {}

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

    def evidence_row(self, row: EvidenceRow, day: str = "") -> str:
        """One incident of an evidence timeline (or a note that it is not available).

        On the same London day as the row before (``day``), only the time is shown.
        """
        e = self.e
        if not row.found:
            return (
                f'<tr><td>{e[row.incident_id]}</td><td colspan="2" class="muted">'
                "not available to this report</td></tr>\n"
            )
        when = row.occurred_text
        if day and when.startswith(day):
            when = when.removeprefix(day)
        return (
            f"<tr><td>{e[row.incident_id]}</td><td>{e[when]}</td><td>{self._what(row)}</td></tr>\n"
        )

    def _what(self, row: EvidenceRow) -> str:
        """``message on Instagram (via a third party): <summary>``, escaped."""
        e = self.e
        what = e[row.kind or ""]
        if row.platform:
            what += f" on {e[row.platform]}"
        if row.via_third_party:
            what += " (via a third party)"
        if row.summary:
            what += f": {e[row.summary]}"
        return what

    def _rows(self, rows: Iterable[EvidenceRow]) -> str:
        parts, day = [], ""
        for row in rows:
            parts.append(self.evidence_row(row, day))
            # "Tue 9 Jan 2024 " of "Tue 9 Jan 2024 05:05 GMT"
            day = row.occurred_text.rsplit(" ", 2)[0] + " " if row.found else ""
        return "".join(parts)

    def _evidence(self, item: ReportAlert) -> str:
        """The timeline: in full once; on a later card with the same incidents, a link to it.

        Past :data:`EVIDENCE_SHOWN` incidents the rest are behind a ``<details>`` (printed
        open): a 104-message timeline does not bury the next card.
        """
        if not item.evidence:
            return ""
        e, n = self.e, len(item.evidence)
        key = tuple(r.incident_id for r in item.evidence)
        first = self.timelines.get(key)
        if first is not None:
            same = "the same incident" if n == 1 else f"the same {n} incidents"
            return (
                f'<p class="muted">Evidence: {same} as <a href="#{e[first]}">{e[first]}</a>.</p>\n'
            )
        self.timelines[key] = item.anchor
        if n == 1 and item.evidence[0].found:  # its time is the card's "Seen"
            row = item.evidence[0]
            return f'<p class="meta">Evidence: {e[row.incident_id]}, {self._what(row)}</p>\n'
        shown = (
            f"<table>\n<thead><tr><th>{e[item.evidence_caption]}{_EVIDENCE_HEAD}"
            "\n<tbody>\n"
            f"{self._rows(item.evidence[:EVIDENCE_SHOWN])}</tbody>\n</table>\n"
        )
        if n <= EVIDENCE_SHOWN:
            return shown
        rest = n - EVIDENCE_SHOWN
        return (
            f"{shown}<details><summary>Show the other {rest} incident"
            f"{'' if rest == 1 else 's'}</summary>\n<table>\n<tbody>\n"
            f"{self._rows(item.evidence[EVIDENCE_SHOWN:])}</tbody>\n</table>\n</details>\n"
        )

    def _order(self, item: ReportAlert) -> str:
        """The order and term as links to the orders section (each stated there once)."""
        e = self.e
        if item.order is None:
            return f" · {e[item.order_text]}" if item.order_text else ""
        order_id = item.order.order_id
        self.orders.setdefault(order_id, item.order)
        order = f' · <a href="#order-{e[order_id]}">order {e[order_id]}</a>'
        if item.term is None:
            return order
        key = (order_id, item.term)
        anchor = self.terms.setdefault(key, f"term-{len(self.terms) + 1}")
        return f'{order}, <a href="#{anchor}">term {e[item.term.term_id]}</a>'

    def _facts(self, item: ReportAlert) -> str:
        e, a = self.e, item.alert
        seen, last = item.first_seen_text, item.last_seen_text
        if last != seen:
            day = seen.rsplit(" ", 2)[0] + " "
            seen = f"{seen} to {last.removeprefix(day) if last.startswith(day) else last}"
        breach = ""
        if item.breach_text not in (item.first_seen_text, "not applicable"):
            breach = f"<dt>Breach time</dt><dd>{e[item.breach_text]}</dd>\n"
        # The order's own end is stated once, in the orders section.
        deadlines = "".join(
            [
                f"<dt>{e[d.label]}</dt><dd>{e[d.text]}</dd>\n"
                for d in item.deadlines
                if item.order is None or d is not item.order_end
            ]
        )
        return (
            "<dl>\n"
            f"<dt>Sections</dt><dd>{e[item.sections_text]}; "
            f"{e[f'CJS offence code {a.cjs_code}' if a.cjs_code else _NO_CJS]}</dd>\n{breach}"
            f"<dt>Seen</dt><dd>{e[seen]}</dd>\n"
            f"<dt>Identified</dt><dd>{e[item.identified_text]}</dd>\n{deadlines}</dl>\n"
        )

    def card(self, item: ReportAlert) -> str:
        """An alert's card: title, explanation, facts, links to its order and term, evidence."""
        e, a, sev = self.e, item.alert, item.severity
        flags = (_BEFORE_SERVICE if a.pre_service else "") + (_APPEAL if a.appeal_pending else "")
        explanation = _shorter(item)
        persons = f" · {e[item.persons_text]}" if item.persons else ""
        return (
            f'<article class="alert {e[sev]}" id="{e[item.anchor]}">\n'
            f"<h3>{self.badges[sev]} {e[a.title]}</h3>\n"
            f'<p class="meta">{e[a.alert_id]} · {e[item.defendant_label]}{persons}'
            f"{self._order(item)}</p>\n"
            f"<p>{e[explanation]}</p>\n{flags}"
            f"{self._facts(item)}{self._evidence(item)}</article>\n"
        )

    def order(self, order: OrderFacts) -> str:
        """An order once, in one sentence, with every term the report's alerts cite."""
        e = self.e
        terms = "".join(
            [
                f'<p id="{anchor}">{e[term.heading]}:</p>\n'
                f'<blockquote class="term">{e[term.text]}</blockquote>\n'
                for (order_id, term), anchor in self.terms.items()
                if order_id == order.order_id
            ]
        )
        return (
            f'<section class="order" id="order-{e[order.order_id]}">\n'
            f"<h3>Order {e[order.order_id]}</h3>\n<p>{e[order.text]}</p>\n{terms}</section>\n"
        )

    def _chart(self, chart: Chart, cap: str) -> str:
        """The chart as inline SVG, described by its caption (whose id is ``cap``)."""
        e = self.e
        bars = "".join(
            [
                f'<rect{_PEAK if b.peak else ""} x="{b.x:g}" y="{b.y:g}" '
                f'width="{b.width:g}" height="{b.height:g}">'
                f"<title>{e[b.label]}</title></rect>\n"
                for b in chart.bars
            ]
        )
        width, height, left = e[str(chart.width)], e[str(chart.height)], e[str(chart.left)]
        base, top, caption = e[str(chart.baseline)], e[str(chart.top)], e[chart.description]
        return (
            f'\n<figure>\n<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
            f'aria-labelledby="{e[cap]}">\n'
            f'<line class="axis" x1="{left}" y1="{base}" x2="{width}" y2="{base}"/>\n'
            f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{base}"/>\n'
            f'<text x="{e[str(chart.left - 4)]}" y="{e[str(chart.top + 4)]}" text-anchor="end">'
            f"{e[str(chart.max_count)]}</text>\n"
            f'<text x="{e[str(chart.left - 4)]}" y="{base}" text-anchor="end">0</text>\n'
            f'<text x="{left}" y="{e[str(chart.height - 6)]}">{e[chart.first_label]}</text>\n'
            f'<text x="{width}" y="{e[str(chart.height - 6)]}" text-anchor="end">'
            f"{e[chart.last_label]}</text>\n"
            f'{bars}</svg>\n<figcaption class="muted" id="{e[cap]}">{caption}</figcaption>\n'
            "</figure>\n"
        )

    def defendant(self, d: DefendantActivity) -> str:
        """A defendant's section: counts, the chart of incidents per day, links to the alerts.

        Alerts with the same title are one line, linked to the first (most severe) of them.
        """
        e = self.e
        alerts = len(d.alert_anchors)
        counts = (
            f"{alerts} alert{'' if alerts == 1 else 's'}; {d.total} distinct evidence "
            f"incident{'' if d.total == 1 else 's'}"
        )
        if d.shown != d.total:
            counts += f", {d.shown} of them in the {d.span} days charted"
        chart = bar_chart(d)
        figure = "" if chart is None else self._chart(chart, f"chart-{d.defendant_id}")
        titled: dict[str, list[str]] = {}
        for anchor, title in d.alert_anchors:
            titled.setdefault(title, []).append(anchor)
        links = "".join(
            [
                f'<li><a href="#{e[anchors[0]]}">{e[title]}</a>'
                f"{'' if len(anchors) == 1 else f' ({len(anchors)} alerts)'}"
                "</li>\n"
                for title, anchors in titled.items()
            ]
        )
        return (
            f'<section class="defendant" id="defendant-{e[d.defendant_id]}">\n'
            f"<h3>{e[d.name or 'Name not available']} ({e[d.defendant_id]})</h3>\n"
            f'<p class="muted">{e[counts]}.</p>\n'
            f"{figure}<ul>\n{links}</ul>\n</section>\n"
        )


_RECENT_HEAD: Final = (
    "<tr><th>Severity</th><th>Identified</th><th>Defendant</th><th>Alert</th>"
    '<th class="num">Incidents</th></tr>'
)
_AHEAD_HEAD: Final = "<tr><th>Severity</th><th>Deadline</th><th>Defendant</th><th>Alert</th></tr>"


def blocks(
    report: Report, *, badges: Mapping[str, Markup], kind_labels: Mapping[str, str]
) -> Blocks:
    """The repeated blocks of ``report``'s HTML page, every value escaped."""
    w = _Writer(badges, kind_labels)
    cards = grouped([w.card(i) for i in report.alerts])  # first: it collects orders and terms
    return Blocks(
        recent=Markup(
            chunked_table("recent", _RECENT_HEAD, [w.recent_row(i) for i in report.recent])
        ),
        ahead=Markup(chunked_table("ahead", _AHEAD_HEAD, [w.ahead_row(i) for i in report.ahead])),
        cards=Markup(cards),
        orders=Markup(grouped([w.order(o) for o in w.orders.values()])),
        defendants=Markup(grouped([w.defendant(d) for d in report.defendants])),
    )
