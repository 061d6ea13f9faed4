"""The review form's widgets, writing Django's own markup directly.

A review of 1,000 attributes has 2,000 widgets; rendered through Django's
widget templates (a template per radio option) they were most of the
page's server time (issue 15). These write the same elements with the same
attributes, in the same order, from Python: pages, scripts and tests that
read the form see no difference."""
from __future__ import annotations

from html import escape

from django import forms
from django.utils.safestring import mark_safe


def _attrs(attrs: dict) -> str:
    # As django/forms/widgets/attrs.html: True is a bare name, False is left out.
    out = []
    for name, value in attrs.items():
        if value is True:
            out.append(f" {name}")
        elif value is not False and value is not None:
            out.append(f' {name}="{escape(str(value))}"')
    return "".join(out)


class QuickRadioSelect(forms.RadioSelect):
    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        chosen = set(self.format_value(value))
        box_id = attrs.get("id")
        box = {"id": box_id} if box_id else {}
        if attrs.get("class"):
            box["class"] = attrs["class"]
        name = escape(name)
        parts = [f"<div{_attrs(box)}>"]
        for index, (option_value, label) in enumerate(self.choices):
            option_value = "" if option_value is None else str(option_value)
            option = dict(attrs)
            label_for = ""
            if box_id:
                option["id"] = f"{box_id}_{index}"
                label_for = f' for="{escape(option["id"])}"'
            if option_value in chosen:
                option["checked"] = True
            parts.append(
                f'<div>\n    <label{label_for}><input type="radio" name="{name}" value="{escape(option_value)}"'
                f"{_attrs(option)}>\n {escape(str(label))}</label>\n\n</div>"
            )
        parts.append("\n</div>")
        return mark_safe("".join(parts))


class QuickTextarea(forms.Textarea):
    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        value = self.format_value(value)
        return mark_safe(f'<textarea name="{escape(name)}"{_attrs(attrs)}>\n{escape(value or "")}</textarea>')
