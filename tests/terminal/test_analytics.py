from datetime import date, timedelta

import pytest

from terminal.analytics import (
    Activity,
    Liability,
    Rate,
    redemption_rate,
    retention,
    rfm,
    segment_counts,
    segment_of,
)

TODAY = date(2026, 11, 22)


def buyer(member: str, days_ago: int, purchases: int, spend: int,
          enrolled_days_ago: int = 400) -> Activity:
    last = TODAY - timedelta(days=days_ago)
    return Activity(member, TODAY - timedelta(days=enrolled_days_ago), last, last, purchases,
                    spend)


def test_rate_formats_without_floats() -> None:
    assert Rate(1, 3).percent() == "33.3%"
    assert Rate(2, 3).percent() == "66.7%"
    assert Rate(0, 0).percent() == "—"
    assert redemption_rate(3320, 455).percent() == "13.7%"


@pytest.mark.parametrize(("r", "f", "segment"), [
    (5, 5, "champions"), (4, 4, "champions"), (3, 5, "loyal"), (1, 5, "at_risk"),
    (5, 1, "new"), (4, 3, "promising"), (1, 3, "at_risk"), (2, 1, "hibernating"),
    (3, 2, "needs_attention"),
])
def test_segments(r: int, f: int, segment: str) -> None:
    assert segment_of(r, f) == segment


def test_rfm_ranks_recent_frequent_big_spenders_highest() -> None:
    members = [buyer(f"m{i}", days_ago=100 - i * 10, purchases=i + 1, spend=(i + 1) * 1000)
               for i in range(10)]
    members.append(Activity("never", TODAY, None, None, 0, 0))
    scores = rfm(members, TODAY)
    assert scores["m9"].recency == 5 and scores["m9"].frequency == 5
    assert scores["m9"].monetary == 5 and scores["m9"].segment == "champions"
    assert (scores["m0"].recency, scores["m0"].frequency) == (1, 1)
    assert scores["m0"].segment == "hibernating"
    assert scores["never"].segment == "never_bought"
    counts = segment_counts(scores)
    assert sum(counts.values()) == 11 and counts["never_bought"] == 1


def test_rfm_ties_share_a_score() -> None:
    members = [buyer(f"m{i}", days_ago=5, purchases=2, spend=500) for i in range(4)]
    scores = rfm(members, TODAY)
    assert len({(s.recency, s.frequency, s.monetary) for s in scores.values()}) == 1


def test_retention_by_enrolment_month() -> None:
    enrolled = date(2026, 10, 1)
    members = [Activity(f"m{i}", enrolled, None, None, 0, 0) for i in range(4)]
    members.append(Activity("late", TODAY - timedelta(days=3), None, None, 0, 0))
    purchases = {
        "m0": [enrolled, enrolled + timedelta(days=1)],  # back the next day
        "m1": [enrolled + timedelta(days=6)],  # within 7
        "m2": [enrolled + timedelta(days=29)],  # within 30
        "m3": [enrolled],  # only the enrolment day: not a return
        "late": [TODAY - timedelta(days=2)],
    }
    cohorts = {c.month: c for c in retention(members, purchases, TODAY)}
    october = cohorts["2026-10"]
    assert october.members == 4
    assert (october.d1, october.d7, october.d30) == (Rate(1, 4), Rate(2, 4), Rate(3, 4))
    november = cohorts["2026-11"]
    assert november.d1 == Rate(1, 1) and november.d7 == Rate(0, 0)  # too recent for D7


def test_liability_values_points_at_the_redemption_rate() -> None:
    owed = Liability.of(stored_value=4105, points=2865, redeem_points_unit=100,
                        redeem_value_unit=20)
    assert (owed.stored_value, owed.points, owed.points_value) == (4105, 2865, 573)
