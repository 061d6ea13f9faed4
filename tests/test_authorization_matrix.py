"""Authorization matrix: every view and endpoint, for every role.

One scenario is built once for the module on the real Temporal dev server:
a cycle with
  R  a report whose workflow awaits the tester's review,
  A  a report whose workflow awaits the report owner's approval (the tester
     has reviewed it),
  O  a report of "another tester" and "another owner", not started,
and the people: the reports' tester, another tester, the report owner,
another owner, the cycle's test manager, a superuser, a member of the
"admin" group, the tester's standing delegate, and an anonymous visitor.

Every request of the matrix leaves the workflows where they are: a POST by
someone allowed to act carries an invalid payload, so "allowed" shows as the
validation answer (400), and "refused" as 403/404 before any validation.
Expected answers:
  LOGIN  302 to /accounts/login/ (HTML pages for an anonymous visitor)
  401    the API for an anonymous caller
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from cycles import roles
from cycles.workflow_start import start_workflow
from cycles import workflow_types as t
from scoping import workflow_steps as s
from reviews import submissions
from reviews.models import Delegation

from . import helpers
from .factories import ReportFactory, UserFactory, scoped_report
from .factories import TestCycleFactory as CycleFactory

pytestmark = pytest.mark.temporal

ROLES = (
    "tester",
    "other_tester",
    "owner",
    "other_owner",
    "manager",
    "superuser",
    "admin_group",
    "delegate",
    "anonymous",
)
MANAGERS = ("manager", "superuser", "admin_group")
ADMINS = ("superuser", "admin_group")
LOGIN = "login"  # 302 to the login page
# /readyz answers 200 or 503 by what is reachable (in tests the Celery broker
# may be a local folder); either way it is open to all and never redirects.
READY = "ready"


@dataclass
class World:
    users: dict
    ids: dict = field(default_factory=dict)
    crs: dict = field(default_factory=dict)


def _accept_all(cr) -> dict:
    recs = services_recommendations(cr)
    return {"decisions": [{"attribute_id": r.attribute_id, "include": r.include, "rationale": ""} for r in recs]}


def services_recommendations(cr):
    from scoping import queries

    return list(queries.recommendations(cr))


@pytest.fixture(scope="module")
def world(temporal_env, django_db_blocker):
    """The module's scenario, committed to the test database so that the
    worker's threads see it; every test reads it inside its own rolled-back
    transaction, and the database is flushed when the module is done."""
    with django_db_blocker.unblock():
        users = {
            "tester": UserFactory(username="mx-tester", role=roles.TESTER),
            "other_tester": UserFactory(username="mx-tester2", role=roles.TESTER),
            "owner": UserFactory(username="mx-owner", role=roles.REPORT_OWNER),
            "other_owner": UserFactory(username="mx-owner2", role=roles.REPORT_OWNER),
            "manager": UserFactory(username="mx-manager", role=roles.TEST_MANAGER, is_staff=True),
            "superuser": UserFactory(username="mx-root", is_superuser=True, is_staff=True),
            "admin_group": UserFactory(username="mx-admin", role=roles.ADMIN, is_staff=True),
            "delegate": UserFactory(username="mx-delegate", role=roles.TESTER),
        }
        now = timezone.now()
        Delegation.objects.create(
            delegator=users["tester"],
            delegate=users["delegate"],
            starts_at=now - timedelta(days=1),
            ends_at=now + timedelta(days=30),
            reason="annual leave",
            created_by=users["superuser"],
        )
        cycle = CycleFactory(test_manager=users["manager"])
        mine = dict(cycle=cycle, tester=users["tester"])
        cr_review = scoped_report(attributes=3, report=ReportFactory(owner=users["owner"]), **mine)
        cr_approval = scoped_report(attributes=3, report=ReportFactory(owner=users["owner"]), **mine)
        cr_other = scoped_report(
            attributes=2, cycle=cycle, tester=users["other_tester"], report=ReportFactory(owner=users["other_owner"])
        )
        cr_sample = scoped_report(attributes=3, report=ReportFactory(owner=users["owner"]), **mine)
        helpers.through_scoping(temporal_env, cr_sample)
        for cr in (cr_review, cr_approval):
            start_workflow(cr, actor=users["tester"])
        review_task = helpers.wait_for_task(cr_review, s.TESTER_REVIEW)
        helpers.wait_for_awaiting(temporal_env, cr_review, s.TESTER_REVIEW)
        helpers.wait_for_task(cr_approval, s.TESTER_REVIEW)
        helpers.wait_for_awaiting(temporal_env, cr_approval, s.TESTER_REVIEW)
        answer = submissions.submit(cr_approval, s.TESTER_REVIEW, users["tester"], _accept_all(cr_approval), "mx-setup")
        assert answer.status == 200, answer.body
        approval_task = helpers.wait_for_task(cr_approval, s.REPORT_OWNER_APPROVAL)
        helpers.wait_for_awaiting(temporal_env, cr_approval, s.REPORT_OWNER_APPROVAL)
        w = World(
            users=users,
            ids={
                "c": cycle.pk,
                "R": cr_review.report_id,
                "A": cr_approval.report_id,
                "O": cr_other.report_id,
                "S": cr_sample.report_id,
                "review_task": review_task.pk,
                "approval_task": approval_task.pk,
                "sample_task": helpers.wait_for_task(cr_sample, "sample_selection").pk,
                "missing": 999999,  # an id nothing has
            },
            crs={"R": cr_review, "A": cr_approval, "O": cr_other, "S": cr_sample},
        )
    yield w

    async def terminate():
        for cr in (cr_review, cr_approval, cr_sample):
            try:
                await temporal_env.env.client.get_workflow_handle(cr.expected_workflow_id).terminate("module over")
            except Exception:
                pass

    temporal_env.run(terminate(), timeout=60)
    with django_db_blocker.unblock():
        # What a transactional test does at its end: leave an empty database.
        # Ids keep counting (no sequence reset), or a later test's report
        # would get a workflow id this module's workflows already used.
        call_command("flush", interactive=False, verbosity=0, reset_sequences=False)


def client_for(world, role: str, **kwargs) -> Client:
    c = Client(**kwargs)
    if role != "anonymous":
        c.force_login(world.users[role])
    return c


def expect(default, **per_role):
    """Expected answer for every role: `default` for the signed-in roles,
    LOGIN for an anonymous visitor, unless named otherwise."""
    table = {r: default for r in ROLES}
    table["anonymous"] = LOGIN
    for role, status in per_role.items():
        table[role] = status
    return table


def only(allowed_status, allowed, refused, anonymous=LOGIN):
    table = {r: (allowed_status if r in allowed else refused) for r in ROLES}
    table["anonymous"] = anonymous
    return table


VIEWERS_R = ("tester", "owner", "delegate", *MANAGERS)  # who may see reports R and A
VIEWERS_O = ("other_tester", "other_owner", *MANAGERS)


def form_of(allowed_status, allowed):
    """A task's form: the assignee and their delegate act; others who may see
    the report are refused (403); for anyone else the report does not exist
    (404), whether they GET or POST, so nothing reveals that it does."""
    table = only(allowed_status, allowed, 404)
    for role in VIEWERS_R:
        if role not in allowed:
            table[role] = 403
    return table

CR = "/cycles/{c}/reports/{%s}"
API = "/api/cycles/{c}/reports/{%s}"

# (name, method, url, data, expected status per role)
MATRIX = [
    # --- pages ---------------------------------------------------------------
    ("home", "get", "/", None, expect(302)),
    ("login page", "get", "/accounts/login/", None, expect(200, anonymous=200)),
    ("login post, empty", "post", "/accounts/login/", {}, expect(200, anonymous=200)),
    ("logout by GET", "get", "/accounts/logout/", None, expect(405)),
    # Everyone's own API tokens (accounts/views.py): nothing of anyone else's.
    ("tokens page", "get", "/accounts/tokens/", None, expect(200)),
    ("tokens page, empty post", "post", "/accounts/tokens/", {}, expect(400)),
    ("tokens page, revoke unknown", "post", "/accounts/tokens/", {"revoke": "0" * 128}, expect(404)),
    ("inbox", "get", "/tasks/", None, expect(200)),
    ("all tasks", "get", "/tasks/all/", None, only(200, MANAGERS, 403)),
    # Issue 13: the manager's in-app reassignment; everyone's own profile.
    ("reassign a task", "get", "/tasks/{review_task}/reassign/", None, only(200, MANAGERS, 403)),
    ("reassign a task, invalid", "post", "/tasks/{review_task}/reassign/", {}, only(400, MANAGERS, 403)),
    ("reassign a task, unknown", "get", "/tasks/999999/reassign/", None, only(404, MANAGERS, 403)),
    ("reassign a person", "get", "/tasks/all/reassign-person/", None, only(200, MANAGERS, 403)),
    ("reassign a person, invalid", "post", "/tasks/all/reassign-person/", {}, only(400, MANAGERS, 403)),
    ("profile", "get", "/profile/", None, expect(200)),
    ("profile, invalid delegation", "post", "/profile/", {}, expect(400)),
    ("end a delegation, not one's own", "post", "/profile/delegations/999999/end", {}, expect(404)),
    ("end a delegation by GET", "get", "/profile/delegations/999999/end", None, expect(405)),
    ("scoping decisions csv", "get", "/cycles/{c}/scoping-decisions.csv", None, only(200, MANAGERS, 403)),
    ("scoping decisions xlsx", "get", "/cycles/{c}/scoping-decisions.xlsx", None, only(200, MANAGERS, 403)),
    ("scoping decisions csv, unknown", "get", "/cycles/999999/scoping-decisions.csv", None, only(404, MANAGERS, 403)),
    ("favicon", "get", "/favicon.ico", None, expect(302, anonymous=302)),
    ("cycle list", "get", "/cycles/", None, expect(200)),
    ("cycle detail", "get", "/cycles/{c}/", None, expect(200)),
    ("cycle detail, unknown", "get", "/cycles/999999/", None, expect(404)),
    ("audit csv", "get", "/cycles/{c}/audit.csv", None, only(200, MANAGERS, 403)),
    ("audit csv, unknown", "get", "/cycles/999999/audit.csv", None, only(404, MANAGERS, 403)),
    ("agreement page", "get", "/cycles/{c}/recommendation-agreement/", None, only(200, MANAGERS, 403)),
    ("agreement csv", "get", "/cycles/{c}/recommendation-agreement.csv", None, only(200, MANAGERS, 403)),
    ("model-call ledger csv", "get", "/cycles/{c}/model-calls.csv", None, only(200, MANAGERS, 403)),
    ("agreement page, unknown", "get", "/cycles/999999/recommendation-agreement/", None, only(404, MANAGERS, 403)),
    ("status R", "get", CR % "R" + "/", None, only(200, VIEWERS_R, 404)),
    ("status O", "get", CR % "O" + "/", None, only(200, VIEWERS_O, 404)),
    ("start by GET", "get", CR % "R" + "/start", None, expect(405)),
    (
        "start R (already running)",
        "post",
        CR % "R" + "/start",
        {},
        {**only(302, ("tester", *MANAGERS), 404), "owner": 403, "delegate": 403, "anonymous": LOGIN},
    ),
    ("review form R", "get", CR % "R" + "/review/", None, form_of(200, ("tester", "delegate"))),
    ("review post R, invalid", "post", CR % "R" + "/review/", {"submission_token": "x"}, form_of(400, ("tester", "delegate"))),
    ("review form A (not awaiting)", "get", CR % "A" + "/review/", None, only(302, VIEWERS_R, 404)),
    ("review post A (not awaiting)", "post", CR % "A" + "/review/", {"submission_token": "x"}, only(302, VIEWERS_R, 404)),
    ("approval form A", "get", CR % "A" + "/approval/", None, form_of(200, ("owner",))),
    (
        "approval post A, invalid",
        "post",
        CR % "A" + "/approval/",
        {"submission_token": "x", "decision": "request_changes", "comments": ""},
        form_of(400, ("owner",)),
    ),
    ("approval form R (not awaiting)", "get", CR % "R" + "/approval/", None, only(302, VIEWERS_R, 404)),
    ("scoping version A", "get", CR % "A" + "/scoping/versions/1/", None, only(200, VIEWERS_R, 404)),
    ("scoping version A, unknown", "get", CR % "A" + "/scoping/versions/999999/", None, only(404, VIEWERS_R, 404)),
    # S awaits the tester's sample selection (its Scoping is approved).
    ("sample page S", "get", CR % "S" + "/sample/", None, form_of(200, ("tester", "delegate"))),
    ("sample post S, invalid", "post", CR % "S" + "/sample/", {"submission_token": "x"}, form_of(400, ("tester", "delegate"))),
    ("sample page R (not awaiting)", "get", CR % "R" + "/sample/", None, only(302, VIEWERS_R, 404)),
    ("sample approval S (not awaiting)", "get", CR % "S" + "/sample-approval/", None, only(302, VIEWERS_R, 404)),
    ("sample approval post S (not awaiting)", "post", CR % "S" + "/sample-approval/", {"submission_token": "x"}, only(302, VIEWERS_R, 404)),
    ("approval post R (not awaiting)", "post", CR % "R" + "/approval/", {"submission_token": "x"}, only(302, VIEWERS_R, 404)),
    # Evidence (issue 14): nothing awaits evidence here, so the steps' pages
    # send viewers back to the report; a file or record that does not exist
    # is the same 404 for everyone; the results are for whoever may see the report.
    ("evidence page S (not awaiting)", "get", CR % "S" + "/evidence/", None, only(302, VIEWERS_R, 404)),
    ("evidence post S (not awaiting)", "post", CR % "S" + "/evidence/", {"submission_token": "x"}, only(302, VIEWERS_R, 404)),
    ("evidence review S (not awaiting)", "get", CR % "S" + "/evidence-review/", None, only(302, VIEWERS_R, 404)),
    ("evidence review post S (not awaiting)", "post", CR % "S" + "/evidence-review/", {"submission_token": "x"}, only(302, VIEWERS_R, 404)),
    ("evidence file, unknown", "get", CR % "S" + "/evidence/999999/", None, expect(404)),
    ("test results page S", "get", CR % "S" + "/test-results/", None, only(200, VIEWERS_R, 404)),
    # Nothing chosen: the tester's (and delegate's) post confirms nothing and returns to the page.
    ("test results post S", "post", CR % "S" + "/test-results/", {}, {**form_of(302, ("tester", "delegate"))}),
    ("test results csv S", "get", CR % "S" + "/test-results.csv", None, only(200, VIEWERS_R, 404)),
    ("test results xlsx S", "get", CR % "S" + "/test-results.xlsx", None, only(200, VIEWERS_R, 404)),
    # --- Django admin: staff only (the others are sent to the admin's login);
    # managers and admins see tasks, delegations and the audit trail through
    # their groups' permissions (reviews/role_permissions.py) --------------
    ("admin index", "get", "/admin/", None, only(200, MANAGERS, 302)),
    ("admin tasks", "get", "/admin/reviews/humantask/", None, only(200, MANAGERS, 302)),
    ("admin task", "get", "/admin/reviews/humantask/{review_task}/change/", None, only(200, MANAGERS, 302)),
    ("admin audit", "get", "/admin/reviews/auditevent/", None, only(200, MANAGERS, 302)),
    ("admin audit add", "get", "/admin/reviews/auditevent/add/", None, only(403, MANAGERS, 302)),
    ("admin model calls", "get", "/admin/scoping/modelcall/", None, only(200, MANAGERS, 302)),
    ("admin model call add", "get", "/admin/scoping/modelcall/add/", None, only(403, MANAGERS, 302)),
    ("admin delegations", "get", "/admin/reviews/delegation/", None, only(200, MANAGERS, 302)),
    ("admin delegation add", "get", "/admin/reviews/delegation/add/", None, only(200, MANAGERS, 302)),
    ("admin users", "get", "/admin/auth/user/", None, {**only(403, MANAGERS, 302), "superuser": 200}),
    # Sign-in and tokens (accounts/admin.py): the admin role, not test managers.
    ("admin security events", "get", "/admin/accounts/securityevent/", None, {**only(200, ADMINS, 302), "manager": 403}),
    ("admin security event add", "get", "/admin/accounts/securityevent/add/", None, {**only(403, ADMINS, 302), "manager": 403}),
    ("admin sign-in failures", "get", "/admin/axes/accessattempt/", None, {**only(200, ADMINS, 302), "manager": 403}),
    ("admin api tokens", "get", "/admin/knox/authtoken/", None, {**only(200, ADMINS, 302), "manager": 403}),
    ("admin api token add", "get", "/admin/knox/authtoken/add/", None, {**only(403, ADMINS, 302), "manager": 403}),
    # --- REST API -------------------------------------------------------------
    ("api token, empty", "post", "/api/auth/token/", {}, expect(400, anonymous=400)),
    ("api tasks", "get", "/api/tasks/", None, expect(200, anonymous=401)),
    ("api start R", "post", API % "R" + "/start", {}, only(200, ("tester", *MANAGERS), 403, anonymous=401)),
    ("api status R", "get", API % "R" + "/status", None, only(200, VIEWERS_R, 403, anonymous=401)),
    ("api status O", "get", API % "O" + "/status", None, only(200, VIEWERS_O, 403, anonymous=401)),
    ("api attributes R", "get", API % "R" + "/attributes", None, only(200, VIEWERS_R, 403, anonymous=401)),
    ("api attributes O", "get", API % "O" + "/attributes", None, only(200, VIEWERS_O, 403, anonymous=401)),
    ("api agreement", "get", "/api/cycles/{c}/recommendation-agreement", None, only(200, MANAGERS, 403, anonymous=401)),
    ("api agreement, unknown", "get", "/api/cycles/999999/recommendation-agreement", None, only(404, MANAGERS, 403, anonymous=401)),
    ("api status unknown", "get", "/api/cycles/{c}/reports/999999/status", None, expect(404, anonymous=401)),
    ("api tester-review R, invalid", "post", API % "R" + "/tester-review", {}, only(400, ("tester", "delegate"), 403, anonymous=401)),
    ("api tester-review A (not awaiting)", "post", API % "A" + "/tester-review", {}, only(409, VIEWERS_R, 403, anonymous=401)),
    (
        "api owner-approval A, invalid",
        "post",
        API % "A" + "/report-owner-approval",
        {},
        only(400, ("owner",), 403, anonymous=401),
    ),
    ("api owner-approval R (not awaiting)", "post", API % "R" + "/report-owner-approval", {}, only(409, VIEWERS_R, 403, anonymous=401)),
    ("api sample-selection S, invalid", "post", API % "S" + "/sample-selection", {}, only(400, ("tester", "delegate"), 403, anonymous=401)),
    ("api sample-selection R (not awaiting)", "post", API % "R" + "/sample-selection", {}, only(409, VIEWERS_R, 403, anonymous=401)),
    ("api sample-approval S (not awaiting)", "post", API % "S" + "/sample-approval", {}, only(409, VIEWERS_R, 403, anonymous=401)),
    # A JSON body where a file upload (multipart) is expected: 415 for those who may upload.
    ("api population S, not multipart", "post", API % "S" + "/population", {}, only(415, ("tester", "delegate"), 403, anonymous=401)),
    ("api population R (not awaiting)", "post", API % "R" + "/population", {}, only(409, VIEWERS_R, 403, anonymous=401)),
    ("api samples S", "get", API % "S" + "/samples", None, only(200, VIEWERS_R, 403, anonymous=401)),
    ("api evidence-submission S (not awaiting)", "post", API % "S" + "/evidence-submission", {}, only(409, VIEWERS_R, 403, anonymous=401)),
    ("api evidence-review S (not awaiting)", "post", API % "S" + "/evidence-review", {}, only(409, VIEWERS_R, 403, anonymous=401)),
    ("api evidence upload S (not awaiting)", "post", API % "S" + "/samples/999999/evidence", {}, only(409, VIEWERS_R, 403, anonymous=401)),
    ("api evidence list, unknown sample", "get", API % "S" + "/samples/999999/evidence", None, only(404, VIEWERS_R, 403, anonymous=401)),
    ("api evidence file, unknown", "get", API % "S" + "/evidence/{missing}", None, only(404, VIEWERS_R, 403, anonymous=401)),
    ("api test results S", "get", API % "S" + "/test-results", None, only(200, VIEWERS_R, 403, anonymous=401)),
    # Only the tester (or their delegate) confirms results: an empty body is their 400.
    (
        "api test results confirm S, invalid",
        "post",
        API % "S" + "/test-results",
        {},
        {**only(400, ("tester", "delegate"), 403, anonymous=401)},
    ),
    ("api status by POST", "post", API % "R" + "/status", {}, expect(405, anonymous=401)),
    ("api token by GET", "get", "/api/auth/token/", None, expect(405, anonymous=405)),
    # Signed in with a session, not a token: nothing to revoke for this call.
    ("api token revoke, no token", "post", "/api/auth/token/revoke", {}, expect(400, anonymous=401)),
    ("api token revoke by GET", "get", "/api/auth/token/revoke", None, expect(405, anonymous=401)),
    ("api token revoke-all", "post", "/api/auth/token/revoke-all", {}, expect(200, anonymous=401)),
    ("api token revoke-all by GET", "get", "/api/auth/token/revoke-all", None, expect(405, anonymous=401)),
    # An empty body: managers pass authorization and get the validation answer.
    ("api reassign, invalid", "post", "/api/tasks/{review_task}/reassign", {}, only(400, MANAGERS, 403, anonymous=401)),
    ("api reassign by GET", "get", "/api/tasks/{review_task}/reassign", None, expect(405, anonymous=401)),
    ("api reassign, unknown task", "post", "/api/tasks/999999/reassign", {"to": "x", "reason": "y"}, only(404, MANAGERS, 403, anonymous=401)),
    # --- Setting cycles up (issue 12): test managers and admins only; unknown
    # cycles for the starts, which would otherwise start workflows for real.
    ("api cycles", "get", "/api/cycles/", None, only(200, MANAGERS, 403, anonymous=401)),
    ("api cycles, invalid", "post", "/api/cycles/", {}, only(400, MANAGERS, 403, anonymous=401)),
    ("api cycle reports", "get", "/api/cycles/{c}/reports/", None, only(200, MANAGERS, 403, anonymous=401)),
    ("api cycle reports add, invalid", "post", "/api/cycles/{c}/reports/", {}, only(400, MANAGERS, 403, anonymous=401)),
    ("api cycle assign, invalid", "post", "/api/cycles/{c}/assign", {}, only(400, MANAGERS, 403, anonymous=401)),
    ("api cycle start, unknown", "post", "/api/cycles/999999/start", {}, only(404, MANAGERS, 403, anonymous=401)),
    ("api catalogue import, not multipart", "post", "/api/reports/{R}/attributes/import", {}, only(415, MANAGERS, 403, anonymous=401)),
    ("new cycle page", "get", "/cycles/new/", None, only(200, MANAGERS, 403)),
    ("new cycle post, invalid", "post", "/cycles/new/", {}, only(400, MANAGERS, 403)),
    ("set-up page", "get", "/cycles/{c}/setup/", None, only(200, MANAGERS, 403)),
    ("set-up add, invalid", "post", "/cycles/{c}/setup/add", {}, only(400, MANAGERS, 403)),
    ("set-up assign, invalid", "post", "/cycles/{c}/setup/assign", {}, only(400, MANAGERS, 403)),
    ("set-up people O", "get", "/cycles/{c}/setup/reports/{O}/people/", None, only(200, MANAGERS, 403)),
    ("set-up start, unknown", "post", "/cycles/999999/setup/start", {}, only(404, MANAGERS, 403)),
    ("dashboard", "get", "/cycles/{c}/dashboard/", None, only(200, MANAGERS, 403)),
    ("dashboard csv", "get", "/cycles/{c}/dashboard.csv", None, only(200, MANAGERS, 403)),
    ("catalogue page R", "get", "/reports/{R}/catalogue/", None, only(200, MANAGERS, 403)),
    ("catalogue post R, invalid", "post", "/reports/{R}/catalogue/", {}, only(400, MANAGERS, 403)),
    ("catalogue confirm, unknown", "post", "/reports/{R}/catalogue/999999/confirm", {}, only(404, MANAGERS, 403)),
    # --- API documentation: for signed-in users -------------------------------
    ("api schema", "get", "/api/schema/", None, expect(200, anonymous=401)),
    ("api docs", "get", "/api/docs/", None, expect(200)),
    # --- probes: open to the load balancer, no login, nothing private ------
    ("healthz", "get", "/healthz", None, expect(200, anonymous=200)),
    ("readyz", "get", "/readyz", None, expect(READY, anonymous=READY)),
]

# Pages that only read refuse other methods (the login redirect still comes
# first for an anonymous visitor).
READ_ONLY_PAGES = [
    ("home", "/"),
    ("inbox", "/tasks/"),
    ("all tasks", "/tasks/all/"),
    ("cycle list", "/cycles/"),
    ("cycle detail", "/cycles/{c}/"),
    ("audit csv", "/cycles/{c}/audit.csv"),
    ("agreement page", "/cycles/{c}/recommendation-agreement/"),
    ("agreement csv", "/cycles/{c}/recommendation-agreement.csv"),
    ("model-call ledger csv", "/cycles/{c}/model-calls.csv"),
    ("status R", CR % "R" + "/"),
    ("scoping version A", CR % "A" + "/scoping/versions/1/"),
    ("scoping decisions csv", "/cycles/{c}/scoping-decisions.csv"),
    ("scoping decisions xlsx", "/cycles/{c}/scoping-decisions.xlsx"),
    ("set-up page", "/cycles/{c}/setup/"),
    ("dashboard", "/cycles/{c}/dashboard/"),
    ("dashboard csv", "/cycles/{c}/dashboard.csv"),
    ("test results csv S", CR % "S" + "/test-results.csv"),
    ("test results xlsx S", CR % "S" + "/test-results.xlsx"),
]
MATRIX += [(f"{name} by POST", "post", url, {}, expect(405)) for name, url in READ_ONLY_PAGES]

def _cases():
    for name, method, url, data, table in MATRIX:
        for role in ROLES:
            yield pytest.param(method, url, data, role, table[role], id=f"{name}-{role}")


@pytest.mark.django_db
@pytest.mark.parametrize("method, url, data, role, expected", list(_cases()))
def test_matrix(world, method, url, data, role, expected):
    client = client_for(world, role)
    path = url.format(**world.ids)
    kwargs = {}
    if path.startswith("/api/") and data is not None:
        kwargs["content_type"] = "application/json"
    response = getattr(client, method)(path, data, **kwargs) if data is not None else getattr(client, method)(path)
    if expected == READY:
        assert response.status_code in (200, 503), f"{role} GET {path}: {response.status_code}"
        assert set(response.json()) >= {"status"}, response.content
        return
    if expected == LOGIN:
        assert response.status_code == 302, f"{role} {method.upper()} {path}: {response.status_code}"
        # Django's admin index sends visitors to the admin's own login form.
        logins = ("/accounts/login/?next=", "/admin/login/?next=") if path.startswith("/admin/") else ("/accounts/login/?next=",)
        assert response["Location"].startswith(logins), response["Location"]
        return
    assert response.status_code == expected, (
        f"{role} {method.upper()} {path}: expected {expected}, got {response.status_code}: "
        f"{getattr(response, 'content', b'')[:300]!r}"
    )
    if response.status_code == 401:
        assert "Token" in response.get("WWW-Authenticate", "")
    if path.startswith("/admin/") and response.status_code == 302:
        assert response["Location"].startswith("/admin/login/")


def test_the_matrix_covers_every_url():
    """A new URL without a row here fails this test."""
    from django.urls import get_resolver

    covered = {
        _normalise(url)
        for name, method, url, data, table in MATRIX
    }
    missing = []
    for pattern in _all_patterns(get_resolver()):
        if pattern.startswith("admin/"):
            continue  # Django's own admin: a few of its pages are in the matrix
        if _normalise("/" + pattern) not in covered:
            missing.append(pattern)
    assert not missing, f"URLs without a row in the authorization matrix: {missing}"


def _all_patterns(resolver, prefix=""):
    from django.urls import URLPattern, URLResolver

    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            yield from _all_patterns(p, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def _normalise(url: str) -> str:
    import re

    url = re.sub(r"<[^>]+>", "{}", url)
    url = re.sub(r"\{[^}]*\}", "{}", url)
    url = re.sub(r"/999999/", "/{}/", url)
    return url


# --- what each role sees, not only whether it may look ---------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role, sees",
    [
        ("tester", {"review_task", "sample_task"}),
        ("delegate", {"review_task", "sample_task"}),
        ("owner", {"approval_task"}),
        ("other_tester", set()),
        ("other_owner", set()),
        ("manager", set()),
    ],
)
def test_api_tasks_lists_only_own_and_delegated_tasks(world, role, sees):
    body = client_for(world, role).get("/api/tasks/").json()
    rows = body["results"] if isinstance(body, dict) else body
    assert {r["id"] for r in rows} == {world.ids[k] for k in sees}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role, visible",
    [
        ("tester", {"R", "A", "S"}),
        ("owner", {"R", "A", "S"}),
        ("delegate", {"R", "A", "S"}),
        ("other_tester", {"O"}),
        ("other_owner", {"O"}),
        ("manager", {"R", "A", "O", "S"}),
        ("admin_group", {"R", "A", "O", "S"}),
    ],
)
def test_cycle_detail_lists_only_visible_reports(world, role, visible):
    page = client_for(world, role).get(f"/cycles/{world.ids['c']}/").content.decode()
    for key, cr in world.crs.items():
        assert (cr.report.name in page) == (key in visible), (role, key)


@pytest.mark.django_db
def test_the_audit_link_is_shown_to_managers_only(world):
    url = f"/cycles/{world.ids['c']}/audit.csv"
    assert url in client_for(world, "manager").get(f"/cycles/{world.ids['c']}/").content.decode()
    assert url not in client_for(world, "tester").get(f"/cycles/{world.ids['c']}/").content.decode()


# --- CSRF ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role, url, data",
    [
        ("tester", CR % "R" + "/review/", {"submission_token": "x"}),
        ("owner", CR % "A" + "/approval/", {"submission_token": "x", "decision": "approve"}),
        ("tester", CR % "R" + "/start", {}),
        ("tester", "/accounts/logout/", {}),
    ],
)
def test_session_post_without_csrf_token_is_refused(world, role, url, data):
    client = client_for(world, role, enforce_csrf_checks=True)
    response = client.post(url.format(**world.ids), data)
    assert response.status_code == 403
    assert b"CSRF" in response.content


@pytest.mark.django_db
def test_api_session_post_without_csrf_token_is_refused(world):
    client = client_for(world, "tester", enforce_csrf_checks=True)
    response = client.post(
        (API % "R" + "/tester-review").format(**world.ids), {}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


@pytest.mark.django_db
def test_api_token_post_needs_no_csrf_token(world):
    from .clients import api_token

    token = api_token(world.users["tester"])
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        (API % "R" + "/tester-review").format(**world.ids),
        {},
        content_type="application/json",
        headers={"Authorization": f"Token {token}"},
    )
    assert response.status_code == 400  # authorized; the empty body is invalid


@pytest.mark.django_db
def test_session_post_with_csrf_token_passes(world):
    client = client_for(world, "tester", enforce_csrf_checks=True)
    page = client.get((CR % "R" + "/review/").format(**world.ids))
    token = page.cookies["csrftoken"].value
    response = client.post(
        (CR % "R" + "/review/").format(**world.ids), {"submission_token": "x", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 400  # past CSRF and authorization; the form is incomplete
