"""Start-up check of the LLM_* settings (scoping.llm.config): a bad value
stops the worker at start instead of failing each report's recommendations."""
from django.core.checks import Error, register

from .llm import config


@register()
def llm_settings(app_configs, **kwargs):
    return [Error(message, id="scoping.E001") for message in config.problems()]
