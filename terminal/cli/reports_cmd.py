"""``report day | rfm | lifecycle | retention | liability | conflicts``: what a manager reads."""

from __future__ import annotations

import argparse
from datetime import datetime, time, timedelta

from terminal.analytics import redemption_rate, retention, rfm, segment_counts
from terminal.cli.context import date_arg, emit, nt, open_terminal, subcommand
from terminal.ledger import Asset, ShopAccount
from terminal.lifecycle import Thresholds, stage_counts
from terminal.programmes.at_checkout import PULLED_META_KEY
from terminal.programmes.report import charity_totals
from terminal.reports import day_report
from terminal.store.activity import activities, liability, shop_total

REPORTS = ("day", "rfm", "lifecycle", "retention", "liability", "conflicts", "charity")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subcommand(sub, "report", "reports for the manager")
    p.add_argument("which", choices=REPORTS,
                   help="day: end-of-day totals by cashier; rfm: RFM segments; lifecycle: "
                        "members per stage (new / active / dormant / churned); retention: "
                        "D1/D7/D30 by enrolment month; liability: stored value and points "
                        "owed, redemption rate; conflicts: flagged by the server's sync; "
                        "charity: pledged and donated totals per charity programme")
    p.add_argument("--date", type=date_arg, help="the day for `day` (YYYY-MM-DD; default today)")
    p.set_defaults(handler=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    if args.which == "conflicts":
        from terminal.cli.sync_cmd import cmd_report_conflicts

        return cmd_report_conflicts(args)
    handlers = {"day": report_day, "rfm": report_rfm, "lifecycle": report_lifecycle,
                "retention": report_retention, "liability": report_liability,
                "charity": report_charity}
    return handlers[args.which](args)


def report_day(args: argparse.Namespace) -> int:
    with open_terminal(args) as term:
        day = args.date or term.service.today()
        start = datetime.combine(day, time.min, tzinfo=term.service.zone)
        end = start + timedelta(days=1)
        with term.local.store.session() as session:
            names = {s.id: s.name for s in session.all_staff()}
            report = day_report(session.events_between(start, end), names)
    rows = {name: vars(line) for name, line in report.by_cashier.items()}
    data = {"date": day.isoformat(), "by_cashier": rows, "total": vars(report.total)}
    t = report.total
    lines = [f"End-of-day report {day.isoformat()}",
             f"  sales {t.sales}  amount {nt(t.sales_amount)}  points discount "
             f"{nt(t.points_discount)}  programme discounts {nt(t.programme_discount)}",
             f"  stored value spent {nt(t.stored_value_spent)}  other tender "
             f"{nt(t.other_tender)}",
             f"  points issued {t.points_earned}  redeemed {t.points_redeemed}",
             f"  top-ups {t.top_ups} for {nt(t.top_up_amount)}  voids {t.voids}  "
             f"enrolments {t.enrolments}  stamps {t.stamps_added}"]
    for name, line in report.by_cashier.items():
        lines.append(f"  {name}: {line.sales} sales {nt(line.sales_amount)}, "
                     f"{line.top_ups} top-ups {nt(line.top_up_amount)}, {line.voids} voids")
    emit(args, data, lines)
    return 0


def report_rfm(args: argparse.Namespace) -> int:
    with open_terminal(args) as term, term.local.store.session() as session:
        members, _ = activities(session, term.service.zone)
        scores = rfm(members, term.service.today())
    counts = segment_counts(scores)
    data = {"segments": counts,
            "members": {m: {"r": s.recency, "f": s.frequency, "m": s.monetary,
                            "segment": s.segment} for m, s in scores.items()}}
    emit(args, data, ["RFM segments (recency, frequency, monetary in quintiles 1-5):"]
         + [f"  {name:<16} {count:>8,}" for name, count in counts.items()])
    return 0


def report_lifecycle(args: argparse.Namespace) -> int:
    with open_terminal(args) as term, term.local.store.session() as session:
        members, _ = activities(session, term.service.zone)
        thresholds = Thresholds.of(term.service.rules)
        counts = stage_counts(members, term.service.today(), thresholds)
    data = {"stages": {stage.value: count for stage, count in counts.items()},
            "members": len(members),
            "thresholds": {"new_days": thresholds.new_days,
                           "dormant_days": thresholds.dormant_days,
                           "churned_days": thresholds.churned_days}}
    lines = [f"Lifecycle stages ({len(members):,} members; new: enrolled within "
             f"{thresholds.new_days} days, no purchase yet; dormant after {thresholds.dormant_days}"
             f", churned after {thresholds.churned_days} days without a purchase):"]
    lines += [f"  {stage.value:<16} {count:>8,}" for stage, count in counts.items()]
    emit(args, data, lines)
    return 0


def report_retention(args: argparse.Namespace) -> int:
    with open_terminal(args) as term, term.local.store.session() as session:
        members, days = activities(session, term.service.zone)
        cohorts = retention(members, days, term.service.today())
    data = [{"month": c.month, "members": c.members, "d1": c.d1.percent(),
             "d7": c.d7.percent(), "d30": c.d30.percent()} for c in cohorts]
    lines = ["Retention by enrolment month (bought again within 1 / 7 / 30 days):",
             f"  {'month':<8} {'members':>8} {'D1':>7} {'D7':>7} {'D30':>7}"]
    lines += [f"  {c.month:<8} {c.members:>8,} {c.d1.percent():>7} {c.d7.percent():>7} "
              f"{c.d30.percent():>7}" for c in cohorts]
    emit(args, data, lines)
    return 0


def report_liability(args: argparse.Namespace) -> int:
    with open_terminal(args) as term, term.local.store.session() as session:
        rules = term.service.rules
        owed = liability(session, rules.redeem_points_unit, rules.redeem_value_unit)
        issued = -shop_total(session, ShopAccount.POINTS_ISSUED, Asset.POINTS.value)
        redeemed = shop_total(session, ShopAccount.POINTS_REDEEMED, Asset.POINTS.value)
    rate = redemption_rate(issued, redeemed)
    data = {"stored_value": owed.stored_value, "points": owed.points,
            "points_value": owed.points_value, "points_issued": issued,
            "points_redeemed": redeemed, "redemption_rate": rate.percent()}
    emit(args, data, [
        f"Stored value owed to members: {nt(owed.stored_value)}",
        f"Points outstanding: {owed.points:,} (worth {nt(owed.points_value)} in discounts)",
        f"Redemption rate: {rate.percent()} ({redeemed:,} of {issued:,} points issued)",
        "(this terminal's journal; the server's `loyalty-server admin report liability` "
        "covers every till)"])
    return 0


def report_charity(args: argparse.Namespace) -> int:
    """Totals per charity programme over this terminal's journal (voids subtract)."""
    with open_terminal(args) as term, term.local.store.session() as session:
        totals = charity_totals(session.journal())
        document = term.service.programmes.get(session.get_meta(PULLED_META_KEY)).document
    causes: dict[str, str] = {}
    for programme in document.programmes if document else ():
        cause = getattr(programme.params, "charity", None)
        if programme.type == "charity" and isinstance(cause, str):
            causes[programme.id] = cause
    rows = [{"programme_id": t.programme_id, "charity": causes.get(t.programme_id, ""),
             "pledged": t.pledged, "points": t.points} for t in totals]
    lines = ["Charity totals (this terminal)"]
    lines += [f"  {r['charity'] or r['programme_id']}: pledged {nt(int(str(r['pledged'])))}, "
              f"{r['points']:,} points given" for r in rows]
    if not rows:
        lines.append("  nothing given yet")
    emit(args, {"charities": rows}, lines)
    return 0
