"""Hypothesis strategies shared by the lifecycle tests: instants and steps in time.

Start instants sit near the awkward days (29 February, the last Sundays of
March and October when the clocks change) so random steps cross them.
"""

from __future__ import annotations

import pendulum
from hypothesis import strategies as st

_AWKWARD = (
    pendulum.datetime(2024, 2, 28, 21, 0, tz="UTC"),
    pendulum.datetime(2024, 3, 30, 22, 45, tz="UTC"),
    pendulum.datetime(2024, 10, 26, 23, 30, tz="UTC"),
    pendulum.datetime(2025, 3, 29, 23, 59, tz="UTC"),
    pendulum.datetime(2027, 10, 30, 12, 0, tz="UTC"),
    pendulum.datetime(2028, 2, 28, 23, 30, tz="UTC"),
)

#: Instants within three days of an awkward day, in UTC or London.
start_instants = st.builds(
    lambda base, seconds, in_london: (
        base.add(seconds=seconds).in_timezone("Europe/London")
        if in_london
        else base.add(seconds=seconds)
    ),
    st.sampled_from(_AWKWARD),
    st.integers(-3 * 86400, 3 * 86400),
    st.booleans(),
)

#: Steps forward in time: minutes, hours, days, or up to about two and a half years.
steps = st.one_of(
    st.integers(1, 59).map(lambda n: pendulum.duration(minutes=n)),
    st.integers(1, 47).map(lambda n: pendulum.duration(hours=n)),
    st.integers(1, 40).map(lambda n: pendulum.duration(days=n)),
    st.integers(41, 900).map(lambda n: pendulum.duration(days=n, hours=n % 24)),
)
