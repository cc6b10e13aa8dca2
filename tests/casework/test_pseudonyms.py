"""An analyst's reports and case files show people as stable, keyed pseudonyms, never names."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from pathlib import Path

import attrs
import markupsafe
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spo_tracker.casework import report_from_store, run_detection, write_case_file
from spo_tracker.demo import DEMO_ACTOR, NOW, Scenario
from spo_tracker.domain.people import NameUse
from spo_tracker.domain.pseudonyms import Pseudonymiser
from spo_tracker.errors import PermissionDeniedError, PseudonymKeyError
from spo_tracker.storage import Actor, InMemoryStore, Store
from tests.casework.builders import store_scenario
from tests.storage.conftest import fixed_clock

ANALYST = Actor("An 3", "analyst", purpose="quarterly breach trends")
KEY = Pseudonymiser(bytes(range(32)))
OTHER_KEY = Pseudonymiser(bytes(range(1, 33)))


def _report(store: Store, path: Path, pseudonyms: Pseudonymiser | None = KEY, **kw: object) -> str:
    report_from_store(
        store, at=NOW, actor=ANALYST, fmt="json", output=path, stored=True, history=True,
        pseudonyms=pseudonyms, **kw,  # type: ignore[arg-type]
    )  # fmt: skip
    return path.read_text("utf-8")


def _said(scenario: Scenario) -> list[str]:
    """Every defendant's and protected person's id and names in the scenario."""
    words = [d.defendant_id for d in scenario.defendants]
    words += [n.name for d in scenario.defendants for n in d.names]
    words += [p.person_id for p in scenario.protected_persons]
    words += [p.name for p in scenario.protected_persons]
    return words


def test_an_analysts_report_names_no_one_and_its_pseudonyms_are_stable(
    demo_store: Store, scenario: Scenario, tmp_path: Path
) -> None:
    """No id or name of a defendant or protected person; the same pseudonyms twice; another
    key gives others (ids alone do not give the pseudonyms)."""
    run_detection(demo_store, at=NOW, actor=DEMO_ACTOR)
    first = _report(demo_store, tmp_path / "a.json")
    for word in _said(scenario):
        assert not re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", first), word
    shown = set(re.findall(r"Person [0-9a-f]{10}", first))
    assert KEY.pseudonym("D-1001") in shown
    assert _report(demo_store, tmp_path / "b.json") == first
    other = _report(demo_store, tmp_path / "c.json", pseudonyms=OTHER_KEY)
    assert set(re.findall(r"Person [0-9a-f]{10}", other)).isdisjoint(shown)
    json.loads(first)  # still a valid report
    written = [e for e in demo_store.audit_entries() if e.event == "report.written"]
    assert json.loads(written[-1].changes)["pseudonymised"] is True


def test_an_analyst_without_a_key_or_asking_for_names_is_refused(
    demo_store: Store, tmp_path: Path
) -> None:
    """No key: PseudonymKeyError; names: PermissionDeniedError (audited); no file either way."""
    run_detection(demo_store, at=NOW, actor=DEMO_ACTOR)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(PseudonymKeyError, match="SPO_TRACKER_PSEUDONYM_KEY_FILE"):
        _report(demo_store, out / "a.json", pseudonyms=None)
    with pytest.raises(PermissionDeniedError, match="never by name"):
        _report(demo_store, out / "b.json", include_protected_names=True)
    assert list(out.iterdir()) == []
    last = list(demo_store.audit_entries())[-1]
    assert (last.event, last.actor_role) == ("permission.denied", "analyst")


def test_an_analysts_case_file_names_no_one(
    demo_store: Store, scenario: Scenario, tmp_path: Path
) -> None:
    """The case file of D-1001, written by an analyst, shows pseudonyms only."""
    run_detection(demo_store, at=NOW, actor=DEMO_ACTOR)
    out = tmp_path / "case.html"
    write_case_file(
        demo_store, "D-1001", at=NOW, actor=ANALYST, fmt="html", output=out, pseudonyms=KEY
    )
    text = out.read_text("utf-8")
    for word in _said(scenario):
        assert not re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text), word
    assert KEY.pseudonym("D-1001") in text


def test_a_short_or_unreadable_key_is_refused_without_showing_it(tmp_path: Path) -> None:
    """Keys under 32 bytes, or not hex: PseudonymKeyError naming the file, not the key."""
    with pytest.raises(PseudonymKeyError):
        Pseudonymiser(b"short")
    short = tmp_path / "short.key"
    short.write_text("ab" * 16 + "\n")
    short.chmod(0o600)
    with pytest.raises(PseudonymKeyError, match="at least 32 bytes") as refused:
        Pseudonymiser.from_file(short)
    assert "abab" not in str(refused.value)
    bad = tmp_path / "bad.key"
    bad.write_text("not hex at all, secret words")
    bad.chmod(0o600)
    with pytest.raises(PseudonymKeyError, match="no readable hex key") as refused:
        Pseudonymiser.from_file(bad)
    assert "secret" not in str(refused.value)
    good = tmp_path / "good.key"
    good.write_text(bytes(range(32)).hex())
    good.chmod(0o600)
    assert Pseudonymiser.from_file(good).pseudonym("D-1") == KEY.pseudonym("D-1")


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_key_file_open_to_others_is_refused(tmp_path: Path, mode: int) -> None:
    """As the audit and data key files are: group or other bits set, refused, key unshown."""
    path = tmp_path / "pseudonym.key"
    path.write_text(bytes(range(32)).hex())
    path.chmod(mode)
    with pytest.raises(PseudonymKeyError, match="open to other users") as refused:
        Pseudonymiser.from_file(path)
    assert bytes(range(32)).hex()[:8] not in str(refused.value)
    with pytest.raises(PseudonymKeyError, match="not a regular file"):
        Pseudonymiser.from_file(tmp_path)


#: The characters every renderer escapes differently (quotes, ampersand, angle brackets).
_AWKWARD = st.text(alphabet=st.sampled_from("abcXYZ '\"&<>"), min_size=1, max_size=12).filter(
    lambda s: s.strip() and any(c.isalpha() for c in s)
)


def _written(name: str) -> dict[str, str]:
    """``name`` in a line as each renderer writes it: markupsafe (HTML reports and case
    files), html.escape, JSON (with and without ASCII escapes) and a CSV row."""
    row = io.StringIO()
    csv.writer(row, lineterminator="\r\n").writerow(["x", name, "y"])
    return {
        "markupsafe": f"<td>{markupsafe.escape(name)}</td>",
        "html.escape": f"<td>{html.escape(name)}</td>",
        "json": json.dumps({"name": name}, ensure_ascii=False),
        "json-ascii": json.dumps({"name": name}),
        "csv": row.getvalue(),
    }


@given(first=_AWKWARD, last=_AWKWARD)
def test_every_escaping_of_a_name_is_pseudonymised(first: str, last: str) -> None:
    """A name with quotes, ``&`` or angle brackets is replaced in every renderer's form."""
    name = f"{first}Q{last}"  # a letter between keeps the name a word of its own
    for how, text in _written(name).items():
        out = KEY.rewrite(text, {"D-9": [name]})
        assert KEY.pseudonym("D-9") in out, how
        for form in _written(name).values():
            assert form not in out, how


@pytest.mark.parametrize("fmt", ["html", "json", "csv"])
def test_an_analysts_report_hides_a_name_with_an_apostrophe(
    request: pytest.FixtureRequest, scenario: Scenario, fmt: str, tmp_path: Path
) -> None:
    """D-1001 called O'Brien "Bo" & Co: no escaped form of the name in any format."""
    name = 'Kieran O\'Brien "Bo" & Co'
    defendants = [
        attrs.evolve(d, names=(NameUse(name),)) if d.defendant_id == "D-1001" else d
        for d in scenario.defendants
    ]
    scenario = attrs.evolve(scenario, defendants=tuple(defendants))
    store = InMemoryStore(clock=fixed_clock)
    store_scenario(store, scenario)
    run_detection(store, at=NOW, actor=DEMO_ACTOR)
    out = tmp_path / f"r.{fmt}"
    report_from_store(
        store, at=NOW, actor=ANALYST, fmt=fmt, output=out, stored=True, history=True,
        pseudonyms=KEY,
    )  # fmt: skip
    text = out.read_text("utf-8")
    assert KEY.pseudonym("D-1001") in text
    for word in ("Brien", "Kieran"):
        assert word not in text
