"""Loyalty programmes as data: a versioned document evaluated by pure functions.

``parse_document`` turns the JSON/TOML document into frozen dataclasses (or a
:class:`ProgrammeError` naming the programme and field); ``evaluate`` turns a trigger (a sale,
a top-up, an enrolment, a check-in, a plan purchase) and the member's state into balanced
postings, prompts, the attribution of each posting to its programme and rule, and the state
changes the caller persists. One module per programme type; ``kinds`` fixes their order.
"""

from terminal.programmes.document import (
    Document,
    Programme,
    document_data,
    load_document,
    parse_document,
)
from terminal.programmes.evaluate import evaluate
from terminal.programmes.fields import ProgrammeError, Reward
from terminal.programmes.model import (
    Attribution,
    Context,
    Discount,
    Line,
    MemberState,
    Prompt,
    Result,
    StateChange,
    Trigger,
)

__all__ = [
    "Attribution", "Context", "Discount", "Document", "Line", "MemberState", "Programme",
    "ProgrammeError", "Prompt", "Result", "Reward", "StateChange", "Trigger", "document_data",
    "evaluate", "load_document", "parse_document",
]
