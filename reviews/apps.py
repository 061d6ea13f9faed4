from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Human tasks and reviews"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import checks  # noqa: F401  (registers the settings checks)
        from .role_permissions import grant

        # After auth's own post_migrate handler has created the permissions.
        post_migrate.connect(grant, sender=self, dispatch_uid="reviews.role_permissions")
