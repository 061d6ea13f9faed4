from django.apps import AppConfig


class ScopingConfig(AppConfig):
    name = "scoping"
    verbose_name = "Scoping"

    def ready(self):
        from . import checks  # noqa: F401  (registers the LLM settings check)
