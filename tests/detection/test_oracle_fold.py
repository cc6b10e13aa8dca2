"""The naive oracle orders the repeated autumn hour by instants, as the engine does.

Two datetimes in the same zone compare by their wall clocks in Python, fold ignored:
01:34 British Summer Time on 25 October 2020 (00:34 UTC) compared as later than 01:00
Greenwich Mean Time (01:00 UTC), so the oracle took a message sent before an order was
made as a breach of it (SPA2019 s.8(1) needs an order in force), and the property test
comparing it with the engine failed on such a draw. Both sides now judge the instant.
"""

from __future__ import annotations

import pendulum

from spo_tracker.detection import Detector
from spo_tracker.domain.incidents import IncidentKind
from spo_tracker.domain.terms import NoThirdPartyContact
from tests.detection import oracle
from tests.detection.builders import incident, make_defendant, make_order

LONDON = "Europe/London"
#: 01:00 on the night the clocks go back, the second time round (GMT, 01:00 UTC).
MADE = pendulum.datetime(2020, 10, 25, 1, 0, tz=LONDON).replace(fold=1)
TERM = NoThirdPartyContact(term_id="T1", persons=("P1",))
TERM_RULE = oracle.RULE_IDS[NoThirdPartyContact]


def test_an_incident_in_the_first_repeated_hour_is_before_an_order_made_in_the_second() -> None:
    order = make_order(TERM, made_at=MADE)
    detector = Detector([order], [make_defendant()])
    summer = pendulum.datetime(2020, 10, 25, 1, 34, tz=LONDON).replace(fold=0)  # 00:34 UTC
    winter = summer.replace(fold=1)  # 01:34 UTC
    assert summer.timestamp() < MADE.timestamp() < winter.timestamp()
    for at, expected in ((summer, set()), (winter, {("O1", "T1", TERM_RULE)})):
        sent = incident("I1", at, IncidentKind.THIRD_PARTY_CONTACT, via_third_party=True)
        assert oracle.breaches([order], [make_defendant()], {}, sent) == expected
        hits = {(b.order_id, b.term_id, b.rule_id) for b in detector.check(sent).breaches}
        assert hits == expected
