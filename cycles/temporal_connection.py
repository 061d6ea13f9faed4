"""Connecting to Temporal from the settings: a local dev server, a cluster
with mutual TLS, or Temporal Cloud with an API key."""
from __future__ import annotations

from pathlib import Path

from django.conf import settings
from temporalio.client import Client
from temporalio.service import TLSConfig


def _read(path: str) -> bytes | None:
    return Path(path).read_bytes() if path else None


def tls_config() -> TLSConfig | bool:
    cert = getattr(settings, "TEMPORAL_TLS_CLIENT_CERT", "")
    key = getattr(settings, "TEMPORAL_TLS_CLIENT_KEY", "")
    ca = getattr(settings, "TEMPORAL_TLS_SERVER_CA", "")
    if cert or key or ca:
        return TLSConfig(
            client_cert=_read(cert),
            client_private_key=_read(key),
            server_root_ca_cert=_read(ca),
        )
    return bool(getattr(settings, "TEMPORAL_TLS", False))


def connect_options() -> dict:
    """The keyword arguments of Client.connect that the settings decide."""
    api_key = getattr(settings, "TEMPORAL_API_KEY", "") or None
    tls = tls_config()
    if api_key and tls is False:
        tls = True  # Temporal Cloud API keys always travel over TLS
    return {"namespace": settings.TEMPORAL_NAMESPACE, "api_key": api_key, "tls": tls}


async def connect(address: str | None = None) -> Client:
    return await Client.connect(address or settings.TEMPORAL_ADDRESS, **connect_options())
