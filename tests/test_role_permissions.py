"""The role groups carry the admin permissions their people need."""
import pytest
from django.contrib.auth.models import Group, Permission

from cycles import roles
from reviews.role_permissions import PERMISSIONS

pytestmark = pytest.mark.django_db


def codenames(role):
    return set(Group.objects.get(name=role).permissions.values_list("codename", flat=True))


def test_migrate_creates_every_role_group_with_its_permissions():
    assert set(Group.objects.filter(name__in=roles.ALL).values_list("name", flat=True)) == set(roles.ALL)
    for role in (roles.TEST_MANAGER, roles.ADMIN):
        assert codenames(role) >= set(PERMISSIONS)
    assert codenames(roles.TESTER) == codenames(roles.REPORT_OWNER) == set()


def test_no_group_may_alter_the_audit_trail_or_open_tasks_by_hand():
    forbidden = Permission.objects.filter(
        content_type__app_label="reviews",
        codename__in=[
            "add_auditevent", "change_auditevent", "delete_auditevent",
            "add_humantask", "delete_humantask", "change_inboundsubmission",
        ],
    )
    assert not Group.objects.filter(permissions__in=forbidden).exists()


def test_granting_again_changes_nothing_and_keeps_extra_grants():
    from reviews.role_permissions import grant

    manager = Group.objects.get(name=roles.TEST_MANAGER)
    extra = Permission.objects.get(codename="view_user")
    manager.permissions.add(extra)
    before = codenames(roles.TEST_MANAGER)
    grant()
    assert codenames(roles.TEST_MANAGER) == before


def test_a_test_manager_sees_the_reassign_action_in_the_admin():
    from django.test import Client

    from scoping import workflow_steps as s

    from . import rows
    from .factories import scoped_report

    cr = scoped_report(attributes=1)
    rows.task(cr, s.TESTER_REVIEW, cr.tester)
    manager = cr.cycle.test_manager
    manager.is_staff = True
    manager.save()
    client = Client()
    client.force_login(manager)
    page = client.get("/admin/reviews/humantask/")
    assert page.status_code == 200
    assert 'value="reassign_tasks"' in page.content.decode()
    assert "/admin/reviews/humantask/add/" not in page.content.decode()
