"""The review table's rows written from Python (scoping/review_rows.py) are
what the page's template loop wrote before (issue 15: the same page in a
fraction of the time). The template below is that loop, as it was."""
import pytest
from django.template import engines

from scoping import queries, review_rows, services
from scoping.forms import TesterReviewForm as ReviewForm  # (a name pytest does not collect)
from scoping.models import Recommendation

from .factories import AttributeFactory, scoped_report

pytestmark = pytest.mark.django_db

AS_IT_WAS = """{% for row in rows %}
      <tr class="{% if row.errors %}has-error{% endif %}" data-recommended="{{ row.recommendation.include|yesno:'1,0' }}" id="row-{{ row.attribute.pk }}">
        <td>{{ row.attribute.line_number }}</td>
        <td><strong>{{ row.attribute.name }}</strong><br><small>{{ row.attribute.description }}</small><br><small class="muted">{{ row.attribute.get_data_type_display }}</small></td>
        <td class="flags">
          {% if row.attribute.is_primary_key %}<span class="tag">PK</span>{% endif %}
          {% if row.attribute.is_cde %}<span class="tag">CDE</span>{% endif %}
          {% if row.attribute.has_historical_issues %}<span class="tag warn">Issues</span>{% endif %}
          {% if row.attribute.is_mandatory %}<span class="tag">Mandatory</span>{% endif %}
        </td>
        <td>{{ row.recommendation.include|yesno:"Include,Exclude" }}<br><small>{{ row.recommendation.rationale }}</small>{% include source with recommendation=row.recommendation %}</td>
        <td class="score">{{ row.recommendation.risk_score }}</td>
        <td class="decision">{% if row.attribute.is_primary_key %}<span class="locked" title="Primary keys are always in scope">Include <span class="tag">locked: primary key</span></span>{% else %}{{ row.include_field }}{% endif %}
          {% for e in row.include_field.errors %}<div class="error">{{ e }}</div>{% endfor %}</td>
        <td>{% if row.attribute.is_primary_key %}<span class="muted">Always in scope: no rationale needed.</span>{% else %}{{ row.rationale_field }}{% endif %}{% for e in row.rationale_field.errors %}<div class="error">{{ e }}</div>{% endfor %}</td>
      </tr>
    {% endfor %}"""

SOURCE_AS_IT_WAS = """{# Where a recommendation came from, and why the model's was not used (issue 11). #}
<br><small class="rec-source">by <span class="tag" data-source="{{ recommendation.source }}">{{ recommendation.source }}</span></small>
{% if recommendation.fallback_reason %}<div class="rec-fallback" role="note"><span class="tag warn">fallback to rules</span> <small>{{ recommendation.fallback_reason }}</small></div>{% endif %}
"""


def template_rows(rows) -> list[str]:
    engine = engines["django"]
    html = engine.from_string(AS_IT_WAS).render({"rows": rows, "source": engine.from_string(SOURCE_AS_IT_WAS).template})
    # One <tr> each, without the loop's indentation around it.
    return ["<tr" + part.rstrip() for part in html.split("<tr")[1:]]


@pytest.fixture
def review():
    cr = scoped_report(attributes=7)
    # Text a person typed, with markup in it; a model's fallback.
    AttributeFactory(report=cr.report, line_number=1200, name='Fee <b>"net"</b>', description="a & b 'c' <script>x</script>")
    services.ensure_recommendations(cr)
    rec = Recommendation.objects.filter(cycle_report=cr).order_by("attribute__line_number").last()
    Recommendation.objects.filter(pk=rec.pk).update(fallback_reason="the model timed out <again> & again", rationale="<i>why</i>")
    return cr


def rows_of(form):
    rows = form.rows()
    assert len(rows) == 8
    return rows


def test_rows_of_a_fresh_review_are_as_the_template_wrote_them(review):
    form = ReviewForm(recommendations=queries.recommendations(review))
    rows = rows_of(form)
    ours = [review_rows.row_html(r) for r in rows]
    assert ours == template_rows(rows)
    assert "fallback to rules" in ours[-1] and "&lt;script&gt;" in ours[-1] and "<script>" not in ours[-1]
    assert review_rows.rows_html(rows) == "\n      ".join(ours)


@pytest.mark.parametrize("bad", ["override without a rationale", "not a choice"])
def test_rows_with_errors_are_as_the_template_wrote_them(review, bad):
    recs = list(queries.recommendations(review))
    target = next(r for r in recs if not r.attribute.is_primary_key)
    data = {"submission_token": "t"}
    for r in recs:
        data[f"include_{r.attribute_id}"] = "1" if r.include else "0"
    data[f"include_{target.attribute_id}"] = ("0" if target.include else "1") if bad.startswith("override") else "maybe"
    form = ReviewForm(data, recommendations=queries.recommendations(review))
    assert not form.is_valid()
    rows = rows_of(form)
    ours = [review_rows.row_html(r) for r in rows]
    assert ours == template_rows(rows)
    flagged = [row for row in ours if 'class="has-error"' in row]
    assert len(flagged) == 1 and f'id="row-{target.attribute_id}"' in flagged[0]
    assert ('rationale is required' if bad.startswith("override") else "Select a valid choice") in flagged[0]


def test_numbers_are_localized_as_the_template_did(review, settings):
    settings.USE_THOUSAND_SEPARATOR = True
    rows = rows_of(ReviewForm(recommendations=queries.recommendations(review)))
    ours = [review_rows.row_html(r) for r in rows]
    assert ours == template_rows(rows)
    assert "<td>1,200</td>" in ours[-1]


@pytest.mark.parametrize("accept_all", [False, True])
def test_fields_copied_from_one_are_as_fields_built_one_by_one(review, accept_all):
    from django import forms

    from scoping import decision_rules
    from scoping.quick_widgets import QuickRadioSelect, QuickTextarea

    form = ReviewForm(recommendations=queries.recommendations(review), accept_all=accept_all)
    for rec in form.recommendations:
        attr = rec.attribute
        as_it_was = {
            f"include_{attr.pk}": forms.TypedChoiceField(
                choices=ReviewForm.INCLUDE_CHOICES, coerce=lambda v: v == "1", widget=QuickRadioSelect,
                initial="1" if (rec.include or attr.is_primary_key) else "0", disabled=attr.is_primary_key,
                label=attr.name, required=not accept_all,
            ),
            f"rationale_{attr.pk}": forms.CharField(
                required=False, max_length=decision_rules.MAX_RATIONALE, initial="",
                widget=QuickTextarea(attrs={"rows": 3, "placeholder": "Rationale (required when overriding)"}),
                label=f"Rationale for {attr.name}",
            ),
        }
        for name, old in as_it_was.items():
            new = form.fields[name]
            seen = lambda f: (f.initial, f.disabled, f.label, f.required, f.widget.attrs, f.widget.is_required, list(f.choices) if hasattr(f, "choices") else None)  # noqa: E731
            assert seen(new) == seen(old)
            assert str(forms.BoundField(form, new, name)) == str(forms.BoundField(form, old, name))
    # Each field has a widget of its own: a rationale required on one row is not on another.
    rationales = [form.fields[f"rationale_{r.attribute_id}"].widget for r in form.recommendations]
    rationales[0].attrs["required"] = True
    assert not any("required" in w.attrs for w in rationales[1:])
