"""The Django-admin permissions each role's group carries.

Roles are groups (cycles.roles), but a group without model permissions
opens nothing in the admin: a test manager (is_staff) saw "You don't have
permission to view or edit anything" and could not reach the tasks' reassign
action or the delegations. After every migrate the groups exist and hold
these permissions (added, never removed: an admin may grant more)."""
from __future__ import annotations

from cycles import roles

# codename -> roles holding it; all are models of the "reviews" app.
MANAGE = (roles.TEST_MANAGER, roles.ADMIN)
PERMISSIONS = {
    "view_humantask": MANAGE,  # the list, its filters and the "reassign" action
    "view_reassignment": MANAGE,
    "view_auditevent": MANAGE,  # read-only; nobody gets add/change/delete
    "view_inboundsubmission": MANAGE,
    "view_notification": MANAGE,  # the e-mail outbox: what was sent, what waits
    "view_workflowmessage": MANAGE,  # signals to workflows (reassignments) and their delivery
    "view_delegation": MANAGE,
    "view_delegationchange": MANAGE,  # the delegations' history, read-only
    "add_delegation": MANAGE,
    "change_delegation": MANAGE,
    "delete_delegation": MANAGE,
}


def grant(sender=None, using="default", **kwargs) -> None:
    from django.contrib.auth.models import Group, Permission

    for role in roles.ALL:
        Group.objects.using(using).get_or_create(name=role)
    perms = {
        p.codename: p
        for p in Permission.objects.using(using).filter(content_type__app_label="reviews", codename__in=PERMISSIONS)
    }
    for codename, holders in PERMISSIONS.items():
        if codename in perms:
            for group in Group.objects.using(using).filter(name__in=holders):
                group.permissions.add(perms[codename])
