"""The HTML report: self-contained, escaped, complete, sorted, printable."""

from __future__ import annotations

import re

import attrs
import pendulum
import pytest

from spo_tracker.detection.alerts import Severity
from spo_tracker.reports import build_report, render
from tests.reports.builders import HOSTILE, NOW, world


def cards(html: str) -> list[str]:
    """The alert cards of a report, in order."""
    return re.findall(r"<article class=\"alert.*?</article>", html, re.DOTALL)


@pytest.fixture(scope="module")
def html() -> str:
    """The report of the standard hostile world."""
    w = world()
    return render(build_report(w.alerts, w.context, now=NOW), "html")


def test_hostile_summary_is_escaped_text(html: str) -> None:
    """A summary holding a script tag shows as text and never as markup."""
    assert HOSTILE not in html
    assert "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;" in html
    assert "<b>bold</b>" not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html


def test_the_document_needs_no_network_and_runs_no_script(html: str) -> None:
    """No script, no external stylesheet, font, image or frame: the file stands alone."""
    lowered = html.lower()
    assert "<script" not in lowered
    for needle in ("<link", "<img", "<iframe", "@import", "url(", "src=", "http://"):
        assert needle not in lowered, needle
    assert re.findall(r"https://", html) == []


def test_a_content_security_policy_allows_only_the_inline_stylesheet(html: str) -> None:
    """The CSP names the stylesheet by hash and forbids everything else by default."""
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert policy is not None
    assert "default-src 'none'" in policy[1]
    assert re.search(r"style-src 'sha256-[A-Za-z0-9+/=]+'", policy[1])


def test_every_alert_has_an_index_row_and_a_card() -> None:
    """Each alert appears once in the index and once as a card, most severe first."""
    w = world()
    html = render(build_report(w.alerts, w.context, now=NOW), "html")
    rows = re.findall(r'<tr class="alert-row" data-alert-id="([^"]+)"', html)
    cards = re.findall(r'<article class="alert (\w+)" id="alert-([^"]+)"', html)
    assert rows == [a.alert_id for a in w.alerts]
    assert [c[1] for c in cards] == rows
    ranks = [Severity(c[0]).rank for c in cards]
    assert ranks == sorted(ranks, reverse=True)


def test_a_card_states_order_term_section_code_and_timeliness(html: str) -> None:
    """The platform-ban card reads the term in plain English with its section and CJS code."""
    card = next(c for c in cards(html) if "Suspected breach of platform ban" in c)
    assert "Not to use or hold an account on Facebook, Instagram or X (Twitter)." in card
    assert "SPA2019 s.8(1)" in card
    assert "SPA2019 s.1(2)(a)" in card
    assert "ST19001" in card
    assert "CJS result code 3307" in card
    for label in ("Breach time", "Time identified", "First seen", "Last seen", "Count"):
        assert f"<dt>{label}</dt>" in card
    assert "Order&#39;s fixed period ends" in card
    assert "Sat 14 Mar 2026 07:00 GMT" in card


def test_each_defendant_has_an_inline_svg_chart_with_the_peak(html: str) -> None:
    """One SVG per defendant; the busiest London day is marked and described."""
    charts = re.findall(r"<svg class=\"chart\"[^>]*aria-label=\"([^\"]+)\"", html)
    assert len(charts) == 1
    assert "busiest day Sat 14 Mar 2026 with 12 incidents" in charts[0]
    assert 'class="bar peak"' in html


def test_print_styles_are_included(html: str) -> None:
    """The stylesheet has print rules (no navigation, cards kept whole)."""
    assert "@media print" in html
    assert "break-inside: avoid" in html


def test_an_empty_report_says_so() -> None:
    """No alerts: the report still renders, with a plain statement."""
    html = render(build_report([], world().context, now=NOW), "html")
    assert "No alerts." in html
    assert "0 alerts about 0 defendants" in html


def test_recent_alerts_are_listed_at_a_glance() -> None:
    """Alerts identified in the 7 days to ``now`` head the report; older ones do not."""
    w = world()
    soon = render(build_report(w.alerts, w.context, now=NOW), "html")
    later = render(build_report(w.alerts, w.context, now=NOW.add(days=30)), "html")
    glance = soon[soon.index('id="glance"') : soon.index('id="alerts"')]
    assert glance.count('<tr><td><span class="sev') == len(w.alerts)
    late = later[later.index('id="glance"') : later.index('id="alerts"')]
    assert "None." in late


def test_since_keeps_only_alerts_with_later_activity() -> None:
    """``since`` after every alert's activity leaves none."""
    w = world()
    report = build_report(w.alerts, w.context, now=NOW, since=pendulum.datetime(2026, 3, 19))
    assert report.alerts == ()


def test_deadlines_ahead_are_listed_soonest_first() -> None:
    """Alerts whose deadline is still to come are listed by deadline; passed ones are not."""
    w = world()
    base = w.alerts[0]
    later = attrs.evolve(base, alert_id="AL-" + "1" * 20, deadline=NOW.add(days=40))
    sooner = attrs.evolve(base, alert_id="AL-" + "2" * 20, deadline=NOW.add(days=3))
    passed = attrs.evolve(base, alert_id="AL-" + "3" * 20, deadline=NOW.subtract(days=1))
    report = build_report([later, passed, sooner], w.context, now=NOW)
    assert [a.alert.alert_id for a in report.ahead] == [sooner.alert_id, later.alert_id]
    html = render(report, "html")
    ahead = html[html.index('<table class="ahead">') : html.index('id="alerts"')]
    assert ahead.index("Mon 23 Mar 2026") < ahead.index("Wed 29 Apr 2026")
    assert "Thu 19 Mar 2026" not in ahead
