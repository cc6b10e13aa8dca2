"""Shared test configuration: Hypothesis profiles and the PostgreSQL switch.

Profiles: ``default`` (quick, for the edit-test loop), ``ci`` (thorough and
derandomised so that CI is reproducible), ``thorough`` (many more examples,
for a deliberate hunt). ``CI=true`` selects ``ci``; ``HYPOTHESIS_PROFILE``
overrides.

Every test process gets a data key in ``SPO_TRACKER_DATA_KEY`` (unless one is
set already), so that stores opened without one, in the process or in a CLI
subprocess, can store protected persons' restricted details (encrypted at
rest: see docs/storage.md). Tests of what happens without a key remove it.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

#: The data key every test store uses unless a test says otherwise (a fixed, public test
#: value: never a real key).
TEST_DATA_KEY = "test-data-key:" + "5a" * 32
os.environ.setdefault("SPO_TRACKER_DATA_KEY", TEST_DATA_KEY)

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
