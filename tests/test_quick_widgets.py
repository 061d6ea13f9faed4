"""The review form's quick widgets write exactly what Django's widget
templates write (issue 15: same page, a fraction of the time)."""
import pytest
from django import forms

from scoping.quick_widgets import QuickRadioSelect, QuickTextarea

CHOICES = [("1", "Include"), ("0", "Exclude & <more>")]
ATTRS = [
    {},
    {"id": "id_include_7"},
    {"id": "id_include_7", "required": True},
    {"id": "id_include_7", "required": True, "disabled": True, "aria-invalid": "true", "class": "wide"},
    {"id": "id_x\"'<", "data-note": "a \"quoted\" & 'single' <tag>", "hidden": False},
]


@pytest.mark.parametrize("attrs", ATTRS)
@pytest.mark.parametrize("value", ["1", "0", None, ""])
def test_radio_select_markup_is_djangos(attrs, value):
    ours = QuickRadioSelect(choices=CHOICES).render("include_7", value, attrs=dict(attrs))
    theirs = forms.RadioSelect(choices=CHOICES).render("include_7", value, attrs=dict(attrs))
    assert ours == theirs


@pytest.mark.parametrize("attrs", ATTRS)
@pytest.mark.parametrize("value", ["", None, "plain", "a <b>\n& \"c\" 'd'"])
def test_textarea_markup_is_djangos(attrs, value):
    widget_attrs = {"rows": 1, "placeholder": "Rationale (required when overriding)"}
    ours = QuickTextarea(attrs=widget_attrs).render("rationale_7", value, attrs=dict(attrs))
    theirs = forms.Textarea(attrs=widget_attrs).render("rationale_7", value, attrs=dict(attrs))
    assert ours == theirs
