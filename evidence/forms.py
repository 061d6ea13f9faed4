"""The provider's evidence form and the tester's review form: one field per
record × attribute, read into the same payload as the API's serializers."""
from __future__ import annotations

import uuid

from django import forms

from . import evidence_rules


class EvidenceUploadForm(forms.Form):
    sample_id = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    file = forms.FileField(label="Evidence file")


class _PerRecordForm(forms.Form):
    submission_token = forms.CharField(widget=forms.HiddenInput, max_length=200)

    def __init__(self, *args, samples=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.samples = list(samples)
        self.fields["submission_token"].initial = uuid.uuid4().hex


class EvidenceForm(_PerRecordForm):
    """`value_<sample>_<attribute>` and `note_<sample>` per record of the round."""

    def __init__(self, *args, attributes=(), files=None, drafts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.attributes = list(attributes)
        self.files = files or {}
        drafts = drafts or {}
        for item in self.samples:
            draft = drafts.get(item.pk)
            for attribute in self.attributes:
                self.fields[f"value_{item.pk}_{attribute.pk}"] = forms.CharField(
                    required=False, max_length=evidence_rules.MAX_VALUE, label=attribute.name,
                    initial=(draft.source_values.get(str(attribute.pk), "") if draft else ""),
                )
            self.fields[f"note_{item.pk}"] = forms.CharField(
                required=False, max_length=evidence_rules.MAX_NOTE, widget=forms.Textarea(attrs={"rows": 2}),
                label="Note", initial=draft.note if draft else "",
            )

    def drafts(self) -> dict[int, dict]:
        """What was entered per record, valid or not, for the draft."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return {
            item.pk: {
                "source_values": {
                    str(a.pk): (data.get(f"value_{item.pk}_{a.pk}") or "").strip()
                    for a in self.attributes
                    if (data.get(f"value_{item.pk}_{a.pk}") or "").strip()
                },
                "note": (data.get(f"note_{item.pk}") or "").strip(),
            }
            for item in self.samples
        }

    def check_complete(self) -> bool:
        """Before submitting: a file and every source value per record, each
        gap named where it is (the API answers the same from evidence_rules)."""
        for item in self.samples:
            if not self.files.get(item.pk):
                self.add_error(None, f"Record {item.record.key} has no file: upload at least one.")
            for attribute in self.attributes:
                name = f"value_{item.pk}_{attribute.pk}"
                if not (self.cleaned_data.get(name) or "").strip():
                    self.add_error(name, f"Enter the {attribute.name} of record {item.record.key} as the source shows it.")
        return not self.errors

    def rows(self):
        """(record, [bound value fields], note field, files) for the template."""
        return [
            (item, [self[f"value_{item.pk}_{a.pk}"] for a in self.attributes], self[f"note_{item.pk}"], self.files.get(item.pk, []))
            for item in self.samples
        ]

    def payload(self) -> dict:
        drafts = self.drafts()
        return {
            "samples": [
                {
                    "sample_id": item.pk,
                    **drafts[item.pk],
                    "file_ids": [f.pk for f in self.files.get(item.pk, [])],
                }
                for item in sorted(self.samples, key=lambda i: i.pk)
            ]
        }


class EvidenceReviewForm(_PerRecordForm):
    """`decision_<sample>` (accept / return) and `comments_<sample>`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for item in self.samples:
            self.fields[f"decision_{item.pk}"] = forms.ChoiceField(
                choices=[("accept", "Accept"), ("return", "Return to the provider")], widget=forms.RadioSelect,
                label=f"Record {item.record.key}",
            )
            self.fields[f"comments_{item.pk}"] = forms.CharField(
                required=False, max_length=evidence_rules.MAX_COMMENTS, widget=forms.Textarea(attrs={"rows": 2}), label="Comments"
            )

    def clean(self):
        cleaned = super().clean()
        for item in self.samples:
            if cleaned.get(f"decision_{item.pk}") == "return" and not (cleaned.get(f"comments_{item.pk}") or "").strip():
                self.add_error(f"comments_{item.pk}", "Comments are required when evidence is returned.")
        return cleaned

    def payload(self) -> dict:
        data = self.cleaned_data
        return {
            "decisions": [
                {
                    "sample_id": item.pk,
                    "accepted": data[f"decision_{item.pk}"] == "accept",
                    "comments": (data.get(f"comments_{item.pk}") or "").strip(),
                }
                for item in sorted(self.samples, key=lambda i: i.pk)
            ]
        }


class TestResultsForm(forms.Form):
    """`result_<id>` (pass / fail, or left as it is) and `note_<id>` per
    current result (by the TestResult row's id)."""

    __test__ = False

    def __init__(self, *args, results=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.results = list(results)
        for r in self.results:
            self.fields[f"result_{r.pk}"] = forms.ChoiceField(
                required=False, choices=[("", "—"), ("pass", "Pass"), ("fail", "Fail")], initial=r.result,
                label=f"{r.sample.record.key} {r.attribute.name}",
            )
            self.fields[f"note_{r.pk}"] = forms.CharField(required=False, max_length=5000, initial=r.note, label="Note")

    def rows(self):
        return [(r, self[f"result_{r.pk}"], self[f"note_{r.pk}"]) for r in self.results]

    def confirmations(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {"sample_id": r.sample_id, "attribute_id": r.attribute_id, "result": data[f"result_{r.pk}"],
             "note": data.get(f"note_{r.pk}") or ""}
            for r in self.results
            if data.get(f"result_{r.pk}")
        ]
