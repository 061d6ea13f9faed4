"""The Django-admin permissions of Scoping's models that each role's group
carries (like reviews.role_permissions for the human side): test managers
and admins read the model-call ledger in the admin, read-only."""
from __future__ import annotations

from cycles import roles

MANAGE = (roles.TEST_MANAGER, roles.ADMIN)
PERMISSIONS = {
    "view_modelcall": MANAGE,
    "view_recommendation": MANAGE,
}


def grant(sender=None, using="default", **kwargs) -> None:
    from django.contrib.auth.models import Group, Permission

    # Scoping migrates before reviews, whose handler also creates the groups.
    for role in roles.ALL:
        Group.objects.using(using).get_or_create(name=role)
    perms = Permission.objects.using(using).filter(content_type__app_label="scoping", codename__in=PERMISSIONS)
    for perm in perms:
        for group in Group.objects.using(using).filter(name__in=PERMISSIONS[perm.codename]):
            group.permissions.add(perm)
