from django.apps import AppConfig


class CycleSetupConfig(AppConfig):
    """Setting a cycle up, for test managers: the pages, the API and the
    dashboard. It sits beside the phase apps: it uses the core's services
    (cycles.catalogue_import, cycles.cycle_membership, cycles.cycle_start)
    and reads the human side's tasks for the dashboard, so that the core
    itself still imports nothing from reviews."""

    name = "cycle_setup"
    verbose_name = "Cycle set-up"
