from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Sign-in and API tokens"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import schema  # noqa: F401  (the token scheme in the OpenAPI schema)
        from . import signals  # noqa: F401  (tokens end with the password or the account)
        from .role_permissions import grant

        post_migrate.connect(grant, sender=self, dispatch_uid="accounts.role_permissions")
