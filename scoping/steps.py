"""The Scoping phase and its two human steps, registered with the core's
registry at start-up (cycles.registry.autodiscover)."""
from __future__ import annotations

from cycles import roles
from cycles.registry import HumanStep, Phase, registry
from reviews.approvals import ApprovalSerializer
from reviews.applying import applied_version
from reviews.separation_of_duties import people_of_record

from . import activities, decision_rules, legacy_activities, queries, services
from . import workflow_steps as s
from .models import OwnerDecision, ScopingSubmission
from .serializers import TesterReviewSerializer


def _reviewers_of_record(cycle_report) -> set[int]:
    """Who submitted the version under approval, and for whom."""
    return people_of_record(queries.current_submission(cycle_report))


def _review_rules(cycle_report, context: dict) -> dict:
    return {"attributes": services.attribute_rules(cycle_report)}


def _check_review(cycle_report, serializer) -> dict:
    """A review's decisions against this report's recommendations, with the
    workflow's own rules: field errors keyed by attribute id."""
    rules = {
        a: decision_rules.Rule(inc, pk)
        for a, inc, pk in queries.recommendations(cycle_report).values_list("attribute_id", "include", "attribute__is_primary_key")
    }
    errors = serializer.validate_against(rules)
    return {"decisions": errors} if errors else {}


def _section(cycle_report, user):
    history = list(queries.history(cycle_report))
    approved = next((s for s in history if getattr(s, "owner_decision", None) and s.owner_decision.approved), None)
    return "scoping/_report_section.html", {
        "cr": cycle_report,
        "history": history,
        "approved": approved,
        # The scope as approved: what the next phases test, with why.
        "in_scope": queries.in_scope(approved) if approved else [],
    }


registry.register(
    Phase(
        name=s.PHASE,
        order=10,
        steps=[
            HumanStep(
                spec=s.TESTER_REVIEW_STEP,
                phase=s.PHASE,
                label="Tester review",
                role=roles.TESTER,
                assignee=lambda cr: cr.tester,
                page="scoping:tester_review",
                action="Review",
                api_path="tester-review",
                serializer=TesterReviewSerializer,
                rules=_review_rules,
                check=_check_review,
                applied_version=applied_version(ScopingSubmission),
            ),
            HumanStep(
                spec=s.REPORT_OWNER_APPROVAL_STEP,
                phase=s.PHASE,
                label="Report-owner approval",
                role=roles.REPORT_OWNER,
                assignee=lambda cr: cr.report_owner,
                page="scoping:owner_approval",
                action="Approve",
                api_path="report-owner-approval",
                serializer=ApprovalSerializer,
                barred=_reviewers_of_record,
                approves="review",
                applied_version=applied_version(OwnerDecision),
            ),
        ],
        activities=[*activities.ACTIVITIES, *legacy_activities.ACTIVITIES],
        urls="scoping.urls",
        api_urls="scoping.api_urls",
        report_section=_section,
        on_complete=services.mark_scope,
        completion_note=services.completion_note,
        cycle_links=(
            ("Model versus people", "scoping:recommendation_agreement"),
            ("Scoping decisions (CSV)", "scoping:decisions_csv"),
            ("Scoping decisions (Excel)", "scoping:decisions_xlsx"),
        ),
    )
)
