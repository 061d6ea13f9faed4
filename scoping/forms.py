"""The tester's review form (the owner's approval form is reviews.approvals.ApprovalForm)."""
from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass

from django import forms

from cycles.plain_text import meaningful

from . import decision_rules
from .quick_widgets import QuickRadioSelect, QuickTextarea


@dataclass
class Row:
    """One attribute on the review form, with its recommendation."""

    attribute: object
    recommendation: object
    include_field: forms.BoundField
    rationale_field: forms.BoundField

    @property
    def errors(self):
        return [*self.include_field.errors, *self.rationale_field.errors]

    @property
    def overrides(self) -> bool:
        """Whether the decision shown differs from the recommendation (its
        rationale is then required, and the browser is told so)."""
        if self.attribute.is_primary_key:
            return False
        value = self.include_field.value()
        return value is not None and str(value) != ("1" if self.recommendation.include else "0")


def _copy(field: forms.Field, **differences) -> forms.Field:
    """A copy of `field` differing in plain attributes, with a widget of its
    own (rows() sets a rationale's `required` per row). Building 2,000
    fields one by one (choices normalized, error messages gathered and the
    widget deep-copied for each) was a good part of the review page's time
    at 1,000 attributes (issue 15)."""
    twin = copy.copy(field)
    twin.widget = copy.copy(field.widget)
    twin.widget.attrs = dict(field.widget.attrs)
    for name, value in differences.items():
        setattr(twin, name, value)
    return twin


class TesterReviewForm(forms.Form):
    """A field pair per attribute: include (prefilled from the
    recommendation; locked for primary keys) and a rationale."""

    submission_token = forms.CharField(widget=forms.HiddenInput, max_length=200)
    INCLUDE_CHOICES = [("1", "Include"), ("0", "Exclude")]

    def __init__(self, *args, recommendations, previous=None, accept_all=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.recommendations = list(recommendations)
        self.accept_all = accept_all
        previous = previous or {}
        self.fields["submission_token"].initial = uuid.uuid4().hex
        include = forms.TypedChoiceField(
            choices=self.INCLUDE_CHOICES, coerce=lambda v: v == "1", widget=QuickRadioSelect, required=not accept_all
        )
        rationale = forms.CharField(
            required=False,
            max_length=decision_rules.MAX_RATIONALE,
            # Several lines: a rationale is a sentence or two an examiner reads.
            widget=QuickTextarea(attrs={"rows": 3, "placeholder": "Rationale (required when overriding)"}),
        )
        for rec in self.recommendations:
            attr = rec.attribute
            prior = previous.get(attr.pk)
            initial = prior.include if prior is not None else rec.include
            self.fields[f"include_{attr.pk}"] = _copy(
                include,
                initial="1" if (initial or attr.is_primary_key) else "0",
                disabled=attr.is_primary_key,
                label=attr.name,
            )
            self.fields[f"rationale_{attr.pk}"] = _copy(
                rationale, initial=prior.rationale if prior is not None else "", label=f"Rationale for {attr.name}"
            )

    def problems(self) -> list[tuple[str, str, str]]:
        """(anchor, attribute name, message) for the error summary, in the
        form's order; the form-wide ones first with no anchor."""
        found = [("", "", str(e)) for e in self.non_field_errors()]
        for row in self.rows():
            for e in row.errors:
                found.append((f"row-{row.attribute.pk}", row.attribute.name, str(e)))
        return found

    def rows(self) -> list[Row]:
        rows = []
        for rec in self.recommendations:
            name = f"rationale_{rec.attribute.pk}"
            row = Row(rec.attribute, rec, self[f"include_{rec.attribute.pk}"], None)
            # The browser checks what it can: a rationale where the decision
            # shown overrides the recommendation (app.js keeps it current).
            attrs = self.fields[name].widget.attrs
            if row.overrides:
                attrs["required"] = True
            else:
                attrs.pop("required", None)
            row.rationale_field = self[name]
            rows.append(row)
        return rows

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        decisions = self.decisions(cleaned)
        rules = {r.attribute_id: decision_rules.Rule(r.include, r.attribute.is_primary_key) for r in self.recommendations}
        for attribute_id, message in decision_rules.problems(rules, decisions):
            field = f"rationale_{attribute_id}" if "rationale" in message else f"include_{attribute_id}"
            if attribute_id is None:
                self.add_error(None, message)
            else:
                self.add_error(field, message)
        return cleaned

    def decisions(self, cleaned=None) -> list[decision_rules.Choice]:
        cleaned = cleaned if cleaned is not None else self.cleaned_data
        out = []
        for rec in self.recommendations:
            attr = rec.attribute
            if self.accept_all:
                include, rationale = rec.include or attr.is_primary_key, ""
            else:
                include = True if attr.is_primary_key else cleaned.get(f"include_{attr.pk}")
                rationale = cleaned.get(f"rationale_{attr.pk}", "")
            out.append(decision_rules.Choice(attr.pk, bool(include), meaningful(rationale)))
        return out

    def payload(self) -> dict:
        return {
            "decisions": [
                {"attribute_id": d.attribute_id, "include": d.include, "rationale": d.rationale}
                for d in self.decisions()
            ]
        }
