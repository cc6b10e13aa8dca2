"""Shared test configuration: Hypothesis profiles and the PostgreSQL switch.

Profiles: ``default`` (quick, for the edit-test loop), ``ci`` (thorough and
derandomised so that CI is reproducible), ``thorough`` (many more examples,
for a deliberate hunt). ``CI=true`` selects ``ci``; ``HYPOTHESIS_PROFILE``
overrides.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("default", max_examples=40, deadline=None)
settings.register_profile(
    "ci",
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile(
    "thorough", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "default")
)
