from django.apps import AppConfig


class ScopingConfig(AppConfig):
    name = "scoping"
    verbose_name = "Scoping"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import checks  # noqa: F401  (registers the LLM settings check)
        from .role_permissions import grant

        # Groups are created by the reviews app's handler; this one runs after
        # every app has migrated (sender=self: once Scoping's models exist).
        post_migrate.connect(grant, sender=self, dispatch_uid="scoping.role_permissions")
