"""The detection page documents every rule the engine can raise."""

from __future__ import annotations

from pathlib import Path

import pytest

from spo_tracker.detection import RULES_BY_ID

PAGE = Path(__file__).resolve().parents[2] / "docs" / "detection.md"
OTHER_RULES = (
    "requirement.positive",
    "requirement.sign_on",
    "escalation.rolling_count",
    "escalation.first_threat",
    "escalation.closing_in",
    "course_of_conduct.unprotected",
    "interim.ending",
    "renewal.review",
    "notification.ST19002",
    "notification.deadline_approaching",
)


@pytest.mark.parametrize("rule_id", [*sorted(RULES_BY_ID), *OTHER_RULES])
def test_every_rule_is_on_the_detection_page(rule_id: str) -> None:
    """Each rule id appears on docs/detection.md, so the page cannot fall behind."""
    assert f"`{rule_id}`" in PAGE.read_text(encoding="utf-8")
