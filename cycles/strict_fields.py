"""Serializer fields that take JSON types as they are.

DRF's own fields coerce: "yes", "on" and "1" are True, "12" and 12.0 are 12.
For a submission that approves a report or names an attribute, a value of
the wrong type is a mistake in the caller's script, and guessing what it
meant could approve something nobody approved: it is a 400 instead. Form
posts (a QueryDict) carry only strings; there the canonical spellings are
accepted."""
from __future__ import annotations

from django.http import QueryDict
from rest_framework import serializers


def _from_form(field) -> bool:
    return isinstance(getattr(field.root, "initial_data", None), QueryDict)


class StrictBooleanField(serializers.BooleanField):
    default_error_messages = {"invalid": "Must be true or false (a JSON boolean), not {input!r}."}

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        if _from_form(self) and data in ("true", "false"):
            return data == "true"
        self.fail("invalid", input=data)


class StrictIntegerField(serializers.IntegerField):
    default_error_messages = {"invalid": "Must be a whole number (a JSON integer), not {input!r}."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not (isinstance(data, int) or (_from_form(self) and isinstance(data, str) and data.isascii() and data.isdigit())):
            self.fail("invalid", input=data)
        return super().to_internal_value(data)
