"""Rows that are history: written once, then only ever superseded."""
from django.core.exceptions import ValidationError
from django.db import models


class ImmutableModel(models.Model):
    """A row that, once written, only ever changes its `superseded_at`.

    Every round of a step stays readable: a new version supersedes the
    previous one instead of editing it."""

    MUTABLE_FIELDS = frozenset({"superseded_at"})

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            fields = set(kwargs.get("update_fields") or ())
            if not fields or not fields <= self.MUTABLE_FIELDS:
                raise ValidationError(f"{type(self).__name__} is immutable once saved")
        super().save(*args, **kwargs)
