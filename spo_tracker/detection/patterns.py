"""Pattern finding over evidence: escalation episodes and closing-in runs.

Pure functions over lists of evidence tuples, so that the result depends only
on the *set* of incidents seen, never on the order they arrived in: batch and
incremental detection then agree by construction.

An evidence tuple is ``(occurred, incident_id, known)``: epoch seconds when it
happened, its id, and epoch seconds when the police learned of it (its
``reported_at``, else ``occurred``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = ["Evidence", "closing_in_runs", "distinct", "escalation_episodes", "known_by"]

Evidence = tuple[float, str, float]
Sighting = tuple[float, str, float, float]


def distinct(items: Iterable[Evidence]) -> list[Evidence]:
    """Evidence sorted by time then id, each incident id once (the earliest reading kept)."""
    seen: set[str] = set()
    out: list[Evidence] = []
    for item in sorted(items):
        if item[1] not in seen:
            seen.add(item[1])
            out.append(item)
    return out


def known_by(evidence: Sequence[Evidence], needed: int) -> float:
    """When the police first held ``needed`` of these reports (the MoJ "time identified").

    With fewer reports than ``needed``, the time the last of them became known.
    """
    known = sorted(item[2] for item in evidence)
    return known[min(needed, len(known)) - 1]


def escalation_episodes(
    evidence: Sequence[Evidence], threshold: int, window_s: float
) -> list[list[Evidence]]:
    """Maximal episodes in which more than ``threshold`` incidents fall within ``window_s``.

    ``evidence`` must be sorted by time (see :func:`distinct`). Every rolling
    window ``[t, t + window_s)`` holding more than ``threshold`` incidents is
    hot; overlapping hot windows merge into one episode, so one sustained burst
    is one alert, whatever the clock says.
    """
    spans: list[list[int]] = []
    start = 0
    for end in range(len(evidence)):
        while evidence[end][0] - evidence[start][0] >= window_s:
            start += 1
        if end - start + 1 > threshold:
            if spans and start <= spans[-1][1]:
                spans[-1][1] = end
            else:
                spans.append([start, end])
    return [list(evidence[a : b + 1]) for a, b in spans]


def closing_in_runs(
    sightings: Sequence[Sighting], minimum: int, gap_s: float
) -> list[list[Sighting]]:
    """Runs of successive sightings, each strictly closer to a zone than the one before.

    ``sightings`` are ``(occurred, incident_id, known, metres_outside)`` sorted by
    time then id. A run breaks when the distance does not fall or when two
    sightings are more than ``gap_s`` apart; runs of at least ``minimum`` are returned.
    """
    runs: list[list[Sighting]] = []
    current: list[Sighting] = []
    for item in sightings:
        if current and (item[0] - current[-1][0] > gap_s or item[3] >= current[-1][3]):
            if len(current) >= minimum:
                runs.append(current)
            current = []
        current.append(item)
    if len(current) >= minimum:
        runs.append(current)
    return runs
