from django.apps import AppConfig


class CyclesConfig(AppConfig):
    name = "cycles"
    verbose_name = "Test cycles"

    def ready(self):
        # Every app's phase and human steps, the way the admin discovers
        # admin.py modules (apps are loaded by now, in any order).
        from .registry import autodiscover

        autodiscover()
