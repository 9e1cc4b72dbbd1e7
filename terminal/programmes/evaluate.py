"""Evaluation: (document, trigger, member state, now) → postings, prompts, attribution, changes.

Pure and deterministic: the same inputs give the same result, whatever order the document
lists its programmes in (the order is phase, priority, id). Programmes sharing an
``exclusive_group`` do not stack: only the first of them that does anything counts.
"""

from __future__ import annotations

from datetime import datetime

from terminal.errors import InvalidInput
from terminal.programmes.document import Document
from terminal.programmes.model import Context, MemberState, Result, Trigger
from terminal.programmes.tally import Tally


def evaluate(document: Document, context: Context, state: MemberState,
             now: datetime) -> Result:
    if now.tzinfo is None:
        raise InvalidInput("Programme evaluation needs a timezone-aware time.")
    today = now.astimezone(document.zone).date()
    if context.trigger is Trigger.PLAN_PURCHASE:
        plan = document.programme(context.plan_id or "")
        if plan is None or not plan.kind.plan:
            raise InvalidInput(f"There is no membership or subscription {context.plan_id!r}.",
                               reason="no_plan", plan=str(context.plan_id or ""))
        if not plan.active_on(today):
            raise InvalidInput(f"{plan.name} cannot be bought on {today.isoformat()}.",
                               reason="plan_not_on_sale", name=plan.name,
                               day=today.isoformat())
    only = context.plan_id if context.trigger is Trigger.PLAN_PURCHASE else None
    tally = Tally(context, state, today, document.points_validity_days,
                  document.multiplier_stacking)
    taken: set[str] = set()
    for programme in document.ordered:
        if only is not None and programme.id != only:
            continue
        kind = programme.kind
        if context.trigger not in kind.triggers or not programme.active_on(today):
            continue
        group = programme.exclusive_group
        if group and group in taken:
            continue
        before = tally.effects
        tally.programme_id = programme.id
        kind.apply(programme.params, tally)
        if group and tally.effects != before:
            taken.add(group)
    return tally.result(document.version)
