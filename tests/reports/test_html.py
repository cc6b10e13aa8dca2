"""The HTML report: self-contained, escaped, complete, sorted, printable."""

from __future__ import annotations

import re

import attrs
import pendulum
import pytest

from spo_tracker.domain.alerts import Severity
from spo_tracker.reports import build_report, render
from spo_tracker.reports._html import MARKING
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


def test_every_alert_has_one_card_most_severe_first() -> None:
    """Each alert appears once as a card (its id is the card's anchor), most severe first."""
    w = world()
    html = render(build_report(w.alerts, w.context, now=NOW), "html")
    cards = re.findall(r'<article class="alert (\w+)" id="([^"]+)"', html)
    assert [c[1] for c in cards] == [a.alert_id for a in w.alerts]
    ranks = [Severity(c[0]).rank for c in cards]
    assert ranks == sorted(ranks, reverse=True)


def test_a_card_states_order_term_section_code_and_timeliness(html: str) -> None:
    """The platform-ban card reads the term in plain English with its section and CJS code."""
    card = next(c for c in cards(html) if "Suspected breach of platform ban" in c)
    assert "SPA2019 s.8(1)" in card
    assert "SPA2019 s.1(2)(a)" in card
    assert "CJS offence code ST19001" in card
    for label in ("Sections", "Seen", "Identified"):
        assert f"<dt>{label}</dt>" in card
    assert "Sat 14 Mar 2026 07:00 GMT to 08:39 GMT" in card
    # The term and the order are stated once, in the orders section, and linked from the card.
    term = re.search(r'<a href="#(term-\d+)">term T1</a>', card)
    assert term is not None
    assert '<a href="#order-SPO-1">order SPO-1</a>' in card
    orders = html[html.index('<section id="orders">') :]
    stated = orders[orders.index(f'id="{term[1]}"') :]
    assert "Not to use or hold an account on Facebook, Instagram or X (Twitter)." in stated
    assert "CJS result code 3307" in orders
    assert "last day: Wed 1 Mar 2028 (London)" in orders
    assert "served, served" not in html


def test_each_defendant_has_an_inline_svg_chart_with_the_peak(html: str) -> None:
    """One SVG per defendant; the busiest London day is marked and described."""
    charts = re.findall(r'<svg class="chart"[^>]*aria-labelledby="([^"]+)"', html)
    assert charts == ["chart-D1"]
    charts = re.findall(r'<figcaption class="muted" id="chart-D1">([^<]+)<', html)
    assert len(charts) == 1
    assert "busiest day Sat 14 Mar 2026 with 12 incidents" in charts[0]
    assert '<rect class="peak"' in html


def test_print_styles_are_included(html: str) -> None:
    """The stylesheet has print rules (no navigation, cards kept whole)."""
    assert "@media print" in html
    assert "break-inside: avoid" in html


def test_every_page_is_marked_official_sensitive_with_print_page_numbers(html: str) -> None:
    """The marking opens and closes the page on screen; in print every sheet carries it at the
    top and bottom with its page number (page margin boxes)."""
    body = html[html.index("<body>") :]
    assert body.startswith(f'<body>\n<p class="marking marking-top">{MARKING}</p>')
    assert body.rstrip().endswith(
        f'<p class="marking marking-bottom">{MARKING}</p>\n</body>\n</html>'
    )
    page = html[html.index("@page") : html.index("@media print")]
    assert f'@top-center {{ content: "{MARKING}"' in page
    assert f'@bottom-center {{ content: "{MARKING}"' in page
    assert 'content: "Page " counter(page) " of " counter(pages)' in page


def test_a_timeline_shared_by_two_alerts_is_shown_once() -> None:
    """A second alert with the same evidence links to the first card's timeline; a long
    timeline shows its first rows and folds the rest into a details element."""
    w = world(30)
    base = next(a for a in w.alerts if a.rule_id == "breach.platform_ban")
    twin = attrs.evolve(base, alert_id="AL-" + "9" * 20, severity=Severity.LOW)
    html = render(build_report([base, twin], w.context, now=NOW), "html")
    assert html.count(f"<tr><td>{base.evidence_ids[-1]}</td>") == 1
    assert f'the same 30 incidents as <a href="#{base.alert_id}">' in html
    assert "Show the other 25 incidents" in html
    assert html.count("<details>") == 1


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
    assert ahead.index("last day: Mon 23 Mar 2026 (London)") < ahead.index(
        "last day: Wed 29 Apr 2026 (London)"
    )
    assert "Thu 19 Mar 2026" not in ahead
