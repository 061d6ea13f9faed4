"""What changed from one version of a Scoping review to the next, attribute
by attribute: the decision, the rationale, or both."""
from __future__ import annotations

from dataclasses import dataclass

from .models import ScopingDecision


@dataclass
class Change:
    attribute: object
    before: object  # ScopingDecision or None
    after: object  # ScopingDecision or None

    @property
    def decision_changed(self) -> bool:
        return (self.before is None) != (self.after is None) or (
            self.before is not None and self.before.include != self.after.include
        )

    @property
    def rationale_changed(self) -> bool:
        return bool(self.before and self.after and self.before.rationale != self.after.rationale)


def decisions_of(submission) -> dict:
    return {
        d.attribute_id: d
        for d in ScopingDecision.objects.filter(submission=submission).select_related("attribute")
    }


def diff(older, newer) -> list[Change]:
    """Attributes whose decision or rationale differs between two versions
    (two queries), in the report's line order."""
    before, after = decisions_of(older), decisions_of(newer)
    changes = []
    for attribute_id in before.keys() | after.keys():
        b, a = before.get(attribute_id), after.get(attribute_id)
        if b is None or a is None or b.include != a.include or b.rationale != a.rationale:
            changes.append(Change((a or b).attribute, b, a))
    return sorted(changes, key=lambda c: (c.attribute.line_number, c.attribute.pk))
