"""Tokens end with the password they were obtained with, and with the
account: a password set through set_password (the admin's form,
`changepassword`, any code) or an account made inactive revokes every token
of the user. Django ends the user's sessions in both cases by itself."""
from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver
from knox.models import AuthToken

from . import tokens


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="accounts.revoke_tokens_of_changed_user")
def revoke_tokens_of_changed_user(sender, instance, created, **kwargs):
    if created:
        return
    # set_password() keeps the new raw password in _password until the save
    # is over (Django's own "password changed" marker). A hasher upgrade at
    # login re-hashes the same password without it and revokes nothing.
    if getattr(instance, "_password", None) is not None:
        reason = "password changed"
    elif not instance.is_active:
        reason = "account deactivated"
    else:
        return
    tokens.revoke(AuthToken.objects.filter(user=instance), reason=reason)
