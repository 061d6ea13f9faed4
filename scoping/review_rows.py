"""The review table's rows, written from Python.

At 1,000 attributes the template's loop resolved some 24,000 variables and
included a sub-template per row: about two thirds of the review page's
server time (issue 15). A row here is one f-string over values read once.
The markup is what the template wrote (tests/test_review_rows.py renders
both and compares), so pages, scripts and tests see no difference."""
from __future__ import annotations

from html import escape

from django.conf import settings
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

PK_DECISION = '<span class="locked" title="Primary keys are always in scope">Include <span class="tag">locked: primary key</span></span>'
PK_RATIONALE = '<span class="muted">Always in scope: no rationale needed.</span>'
FLAGS = (
    ("is_primary_key", '<span class="tag">PK</span>'),
    ("is_cde", '<span class="tag">CDE</span>'),
    ("has_historical_issues", '<span class="tag warn">Issues</span>'),
    ("is_mandatory", '<span class="tag">Mandatory</span>'),
)


def _text(value) -> str:
    # As a template's {{ value }}: localized, then escaped unless safe. The
    # two common cases first, without Django's per-call formatting machinery.
    if isinstance(value, str) and not hasattr(value, "__html__"):
        return escape(value)
    if type(value) is int and not settings.USE_THOUSAND_SEPARATOR:
        return str(value)
    return conditional_escape(localize(value))


def _errors(messages) -> str:
    return "".join(f'<div class="error">{_text(m)}</div>' for m in messages)


def source(recommendation) -> str:
    """Where a recommendation came from, and why the model's was not used (issue 11)."""
    kind = _text(recommendation.source)
    out = f'\n<br><small class="rec-source">by <span class="tag" data-source="{kind}">{kind}</span></small>\n'
    if recommendation.fallback_reason:
        out += (
            '<div class="rec-fallback" role="note"><span class="tag warn">fallback to rules</span> '
            f"<small>{_text(recommendation.fallback_reason)}</small></div>"
        )
    return out + "\n"


def row_html(row) -> SafeString:
    """One attribute's <tr> (row: scoping.forms.Row)."""
    a, rec = row.attribute, row.recommendation
    include_errors, rationale_errors = list(row.include_field.errors), list(row.rationale_field.errors)
    flags = "".join(
        f"\n          {markup if getattr(a, name) else ''}" for name, markup in FLAGS
    )
    pk = a.is_primary_key
    return mark_safe(
        f'<tr class="{"has-error" if include_errors or rationale_errors else ""}" '
        f'data-recommended="{"1" if rec.include else "0"}" id="row-{_text(a.pk)}">\n'
        f"        <td>{_text(a.line_number)}</td>\n"
        f"        <td><strong>{_text(a.name)}</strong><br><small>{_text(a.description)}</small>"
        f'<br><small class="muted">{_text(a.get_data_type_display())}</small></td>\n'
        f'        <td class="flags">{flags}\n        </td>\n'
        f'        <td>{"Include" if rec.include else "Exclude"}<br><small>{_text(rec.rationale)}</small>{source(rec)}</td>\n'
        f'        <td class="score">{_text(rec.risk_score)}</td>\n'
        f'        <td class="decision">{PK_DECISION if pk else row.include_field}\n'
        f"          {_errors(include_errors)}</td>\n"
        f"        <td>{PK_RATIONALE if pk else row.rationale_field}{_errors(rationale_errors)}</td>\n"
        f"      </tr>"
    )


def rows_html(rows) -> SafeString:
    return mark_safe("\n      ".join(row_html(r) for r in rows))
