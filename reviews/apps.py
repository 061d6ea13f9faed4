from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Human tasks and reviews"

    def ready(self):
        from . import checks  # noqa: F401  (registers the settings checks)
