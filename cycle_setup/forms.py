"""The set-up pages' forms. People are offered only with the role they
would take (cycles.cycle_membership.people_with_role)."""
from __future__ import annotations

from django import forms

from cycles import roles
from cycles.cycle_membership import people_with_role
from cycles.models import Report, TestCycle


class CycleForm(forms.ModelForm):
    class Meta:
        model = TestCycle
        fields = [
            "name", "period_end", "task_due_amount", "task_due_unit", "reminder_amount", "reminder_unit",
            "max_reminders", "sample_size_default",
        ]
        widgets = {"period_end": forms.DateInput(attrs={"type": "date"})}
        labels = {"sample_size_default": "Sample size (default)"}


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, user):
        full = user.get_full_name()
        return f"{user.get_username()} ({full})" if full else user.get_username()


def _people_fields(form, empty_label: str) -> None:
    form.fields["tester"] = PersonChoice(people_with_role(roles.TESTER), required=False, empty_label=empty_label)
    form.fields["report_owner"] = PersonChoice(people_with_role(roles.REPORT_OWNER), required=False, empty_label=empty_label)
    form.fields["data_provider"] = PersonChoice(people_with_role(roles.DATA_PROVIDER), required=False, empty_label=empty_label)


class AddReportForm(forms.Form):
    report = forms.ModelChoiceField(Report.objects.none(), required=False, label="Existing report", empty_label="— a new report —")
    new_name = forms.CharField(max_length=200, required=False, label="New report's name")
    new_regulation = forms.CharField(max_length=100, required=False, label="New report's regulation")

    def __init__(self, *args, cycle: TestCycle, **kwargs):
        # Ids of their own: the set-up page also holds the bulk-assign form.
        super().__init__(*args, auto_id="add_%s", **kwargs)
        self.fields["report"].queryset = Report.objects.exclude(cycle_reports__cycle=cycle).order_by("name")
        _people_fields(self, "— later —")

    def clean(self):
        data = super().clean()
        if bool(data.get("report")) == bool(data.get("new_name", "").strip()):
            raise forms.ValidationError("Choose an existing report or name a new one (not both).")
        if data.get("new_name", "").strip() and not data.get("new_regulation", "").strip():
            self.add_error("new_regulation", "A new report needs its regulation.")
        return data


class PeopleForm(forms.Form):
    """One report's people; blank clears."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _people_fields(self, "— none —")


class BulkAssignForm(forms.Form):
    """The same people for the reports ticked; blank leaves them as they are."""

    reports = forms.MultipleChoiceField(choices=(), widget=forms.CheckboxSelectMultiple, label="Reports")

    def __init__(self, *args, report_choices=(), **kwargs):
        super().__init__(*args, auto_id="bulk_%s", **kwargs)
        self.fields["reports"].choices = report_choices
        _people_fields(self, "— unchanged —")

    def clean(self):
        data = super().clean()
        if not any(data.get(f) for f in ("tester", "report_owner", "data_provider")):
            raise forms.ValidationError("Choose at least one person to assign.")
        return data


class CatalogueForm(forms.Form):
    file = forms.FileField(label="Catalogue (.csv or .xlsx)", allow_empty_file=True)
