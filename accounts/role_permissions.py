"""The admin role reads the security events and sign-in attempts, unlocks,
and revokes API tokens in the Django admin (superusers can anyway). Added
after every migrate, never removed."""
from cycles import roles

PERMISSIONS = {
    ("accounts", "view_securityevent"),
    ("axes", "view_accessattempt"),
    ("axes", "delete_accessattempt"),  # the "unlock" actions
    ("knox", "view_authtoken"),
    ("knox", "delete_authtoken"),  # revoking
}


def grant(sender=None, using="default", **kwargs) -> None:
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    group, _ = Group.objects.using(using).get_or_create(name=roles.ADMIN)
    wanted = Q(pk__in=[])
    for app_label, codename in PERMISSIONS:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    group.permissions.add(*Permission.objects.using(using).filter(wanted))
