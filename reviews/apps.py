from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Human tasks and reviews"

    def ready(self):
        from django.db.models.signals import post_migrate

        from cycles.registry import registry

        from . import checks  # noqa: F401  (registers the settings checks)
        from .activities import ACTIVITIES
        from .role_permissions import grant

        # The human side's activities, shared by every phase's steps.
        registry.register_activities(ACTIVITIES)

        # After auth's own post_migrate handler has created the permissions.
        post_migrate.connect(grant, sender=self, dispatch_uid="reviews.role_permissions")
