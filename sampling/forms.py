"""The tester's form: upload the population, choose how to draw the sample,
preview it, submit it. The owner answers with reviews.approvals.ApprovalForm."""
from __future__ import annotations

import uuid

from django import forms

from . import draws, selection_rules
from .models import KEY_MAX_LENGTH


class PopulationForm(forms.Form):
    file = forms.FileField(label="Population file (CSV or XLSX)")
    key_column = forms.CharField(
        required=False, max_length=KEY_MAX_LENGTH, label="Record key column",
        help_text="Leave empty when the first column holds the record keys.",
    )


def _keys(text: str) -> list[str]:
    """One record key per line (commas also separate keys)."""
    return [key.strip() for line in (text or "").splitlines() for key in line.split(",") if key.strip()]


class SampleSelectionForm(forms.Form):
    submission_token = forms.CharField(widget=forms.HiddenInput, max_length=200)
    method = forms.ChoiceField(
        choices=[("random", "Simple random"), ("stratified", "Stratified by an attribute"),
                 ("top", "Top N by an amount"), ("manual", "Chosen by hand")],
        widget=forms.RadioSelect, initial="random",
    )
    size = forms.IntegerField(required=False, min_value=1, max_value=selection_rules.MAX_SIZE)
    seed = forms.IntegerField(
        required=False, min_value=0, max_value=selection_rules.MAX_SEED,
        help_text="Recorded with the sample: the same seed draws the same records again.",
    )
    stratify_by = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Stratify by")
    order_by = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Largest values of")
    record_keys = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Records (chosen by hand)")
    add_keys = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Add these records")
    remove_keys = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Remove these records")
    rationale = forms.CharField(
        required=False, max_length=selection_rules.MAX_RATIONALE, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required for a sample chosen by hand and for records added or removed by hand.",
    )

    def __init__(self, *args, population=None, attributes=(), default_size=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.population = population
        self.fields["submission_token"].initial = uuid.uuid4().hex
        self.fields["seed"].initial = draws.new_seed()
        self.fields["size"].initial = default_size
        # Only attributes with a column in the population can stratify or order.
        columns = population.attribute_columns() if population else {}
        choices = [("", "—")] + [(str(pk), name) for pk, name in attributes if pk in columns]
        self.fields["stratify_by"].choices = choices
        self.fields["order_by"].choices = choices

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        for name in ("record_keys", "add_keys", "remove_keys"):
            cleaned[name] = _keys(cleaned.get(name))
        for problem in selection_rules.problems(selection_rules.choice_of(cleaned)):
            self.add_error(None, problem)
        return cleaned

    def payload(self) -> dict:
        data = self.cleaned_data
        return {
            "method": data["method"],
            "size": data.get("size") or 0,
            "seed": data.get("seed"),
            "stratify_by": data.get("stratify_by"),
            "order_by": data.get("order_by"),
            "record_keys": data["record_keys"],
            "add_keys": data["add_keys"],
            "remove_keys": data["remove_keys"],
            "rationale": (data.get("rationale") or "").strip(),
            "population_id": self.population.pk if self.population else 0,
        }

