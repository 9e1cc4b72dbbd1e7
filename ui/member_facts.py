"""What the member panel shows beyond balances (stage and prompts come from the core)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from terminal.checkout import MemberView
from terminal.lifecycle import Prompt, Stage

__all__ = ["MemberCard", "Prompt", "Stage"]


@dataclass(frozen=True)
class MemberCard:
    """Everything the member panel shows, fetched in one background op."""

    view: MemberView
    stage: Stage
    prompts: tuple[Prompt, ...]
    last_purchase: date | None
