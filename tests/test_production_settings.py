"""Production mode (DJANGO_SETTINGS_MODULE=config.settings_production), each
case in a fresh interpreter with its own environment, as a server starts."""
import datetime as dt
import json
import secrets

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from .container_harness import production_env, run

PRINT_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
db = s.DATABASES["default"]
print(json.dumps({
    "DEBUG": s.DEBUG,
    "pool": db.get("OPTIONS", {}).get("pool"),
    "CONN_MAX_AGE": db.get("CONN_MAX_AGE"),
    "SECURE_PROXY_SSL_HEADER": s.SECURE_PROXY_SSL_HEADER,
    "SECURE_SSL_REDIRECT": s.SECURE_SSL_REDIRECT,
    "SECURE_HSTS_SECONDS": s.SECURE_HSTS_SECONDS,
    "SESSION_COOKIE_SECURE": s.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": s.CSRF_COOKIE_SECURE,
    "staticfiles": s.STORAGES["staticfiles"]["BACKEND"],
    "LOG_FORMAT": s.LOG_FORMAT,
    "middleware": s.MIDDLEWARE,
    "password_validators": [v["NAME"] for v in s.AUTH_PASSWORD_VALIDATORS],
    "csp": s.CONTENT_SECURITY_POLICY["DIRECTIVES"],
    "session_age": s.SESSION_COOKIE_AGE,
    "session_save_every_request": s.SESSION_SAVE_EVERY_REQUEST,
    "token_ttl": s.REST_KNOX["TOKEN_TTL"].total_seconds(),
    "sign_in": [s.AXES_FAILURE_LIMIT, s.SIGN_IN_ADDRESS_FAILURE_LIMIT, s.AXES_COOLOFF_TIME.total_seconds()],
}))
"""

PG = "postgres://app:pw@db.internal:5432/regtest"


def env(**overrides):
    # No database is touched by these commands: any URL will do.
    return production_env(DATABASE_URL=PG, **overrides)


def settings_of(**overrides) -> dict:
    done = run(["python", "-c", PRINT_SETTINGS], env(**overrides))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_check_deploy_passes_without_warnings():
    done = run(["python", "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env())
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout
    assert "WARNINGS" not in done.stdout + done.stderr


@pytest.mark.parametrize(
    "secret_key",
    ["insecure-local-development-key-change-me", "django-insecure-" + "x" * 60, "short-key", "a" * 60],
    ids=["local-default", "django-insecure", "too-short", "one-character"],
)
def test_refuses_insecure_secret_key(secret_key):
    done = run(["python", "manage.py", "check"], env(SECRET_KEY=secret_key))
    assert done.returncode != 0
    assert "SECRET_KEY is the local default or too weak" in done.stderr
    assert secret_key not in done.stderr  # the refusal does not echo the key


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL"])
def test_refuses_to_start_without_required_setting(missing):
    environment = env()
    del environment[missing]
    done = run(["python", "manage.py", "check"], environment)
    assert done.returncode != 0
    assert f"{missing} must be set in production" in done.stderr


def test_secure_defaults_and_pool_sized_for_threads():
    s = settings_of(TEMPORAL_WORKER_ACTIVITY_THREADS="16", WEB_THREADS="4")
    assert s["DEBUG"] is False
    assert s["SECURE_SSL_REDIRECT"] and s["SESSION_COOKIE_SECURE"] and s["CSRF_COOKIE_SECURE"]
    assert s["SECURE_HSTS_SECONDS"] == 31536000
    assert s["SECURE_PROXY_SSL_HEADER"] is None
    assert s["pool"] == {"min_size": 1, "max_size": 18, "timeout": 10.0}
    assert s["CONN_MAX_AGE"] == 0  # pooling excludes persistent connections
    assert s["staticfiles"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert s["LOG_FORMAT"] == "json"
    mw = s["middleware"]
    assert mw.index("whitenoise.middleware.WhiteNoiseMiddleware") == mw.index("django.middleware.security.SecurityMiddleware") + 1


PRODUCTION_VALIDATORS = [
    "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
    "django.contrib.auth.password_validation.MinimumLengthValidator",
    "django.contrib.auth.password_validation.CommonPasswordValidator",
    "django.contrib.auth.password_validation.NumericPasswordValidator",
]


def test_security_settings_in_production():
    s = settings_of()
    assert s["password_validators"] == PRODUCTION_VALIDATORS
    assert s["csp"]["script-src"] == ["'self'"] and s["csp"]["style-src"] == ["'self'"]
    assert s["session_age"] == 9 * 3600 and s["session_save_every_request"] is True
    assert s["token_ttl"] == 9 * 3600
    assert s["sign_in"] == [5, 20, 900]
    mw = s["middleware"]
    assert {"csp.middleware.CSPMiddleware", "config.no_store.NoStoreMiddleware"} <= set(mw)
    assert "axes.middleware.AxesMiddleware" in mw


def test_security_settings_come_from_the_environment():
    s = settings_of(
        SIGN_IN_FAILURE_LIMIT="3", SIGN_IN_ADDRESS_FAILURE_LIMIT="7", SIGN_IN_LOCKOUT="60",
        API_TOKEN_TTL="600", SESSION_IDLE_TIMEOUT="1800",
    )
    assert s["sign_in"] == [3, 7, 60]
    assert s["token_ttl"] == 600
    assert s["session_age"] == 1800


def test_a_sign_in_limit_of_zero_is_refused():
    done = run(["python", "manage.py", "check"], env(SIGN_IN_FAILURE_LIMIT="0"))
    assert done.returncode != 0
    assert "SIGN_IN_FAILURE_LIMIT must be at least 1" in done.stderr


def test_seed_demo_passwords_pass_the_production_validators(db, tmp_path, settings, capsys):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password
    from django.core.management import call_command

    settings.DEMO_LOGINS_FILE = str(tmp_path / "logins.json")
    settings.AUTH_PASSWORD_VALIDATORS = [{"NAME": name} for name in PRODUCTION_VALIDATORS]
    call_command("seed_demo", "--attributes", "2", "--reports", "1", "--json")
    users = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["users"]
    for login in users.values():
        validate_password(login["password"], get_user_model().objects.get(username=login["username"]))


def test_proxy_header_hsts_and_pool_are_configurable():
    s = settings_of(
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
        SECURE_HSTS_SECONDS="600",
        SECURE_SSL_REDIRECT="false",
        DB_POOL_MIN_SIZE="2",
        DB_POOL_MAX_SIZE="40",
        DB_POOL_TIMEOUT="5",
    )
    assert s["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert s["SECURE_HSTS_SECONDS"] == 600
    assert s["SECURE_SSL_REDIRECT"] is False
    assert s["pool"] == {"min_size": 2, "max_size": 40, "timeout": 5.0}


def test_persistent_connections_instead_of_pool():
    s = settings_of(DB_POOL="false", CONN_MAX_AGE="60")
    assert s["pool"] is None
    assert s["CONN_MAX_AGE"] == 60


# --- Temporal over mutual TLS or with a Temporal Cloud API key ----------------

PRINT_CONNECTION = """
import json, django
django.setup()
from cycles.temporal_connection import connect_options
o = connect_options()
tls = o["tls"]
print(json.dumps({
    "api_key": o["api_key"],
    "namespace": o["namespace"],
    "tls": tls if isinstance(tls, bool) else {
        "client_cert": tls.client_cert.decode(),
        "client_private_key": tls.client_private_key.decode(),
        "server_root_ca_cert": tls.server_root_ca_cert.decode() if tls.server_root_ca_cert else None,
    },
}))
"""


def _self_signed(common_name: str, key, issuer=None, issuer_key=None, ca=False):
    now = dt.datetime.now(dt.timezone.utc)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer or subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(issuer_key or key, hashes.SHA256())
    )


@pytest.fixture
def pem_files(tmp_path):
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _self_signed("regtest test CA", ca_key, ca=True)
    client_key = ec.generate_private_key(ec.SECP256R1())
    client = _self_signed("regtest worker", client_key, issuer=ca.subject, issuer_key=ca_key)
    files = {
        "cert": (tmp_path / "client.pem", client.public_bytes(serialization.Encoding.PEM)),
        "key": (
            tmp_path / "client.key",
            client_key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ),
        ),
        "ca": (tmp_path / "ca.pem", ca.public_bytes(serialization.Encoding.PEM)),
    }
    for path, data in files.values():
        path.write_bytes(data)
    return {name: (str(path), data.decode()) for name, (path, data) in files.items()}


def connection_of(**overrides) -> dict:
    done = run(["python", "-c", PRINT_CONNECTION], env(**overrides))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_mutual_tls_reads_the_pem_files(pem_files):
    c = connection_of(
        TEMPORAL_NAMESPACE="regtest.a1b2c",
        TEMPORAL_TLS_CLIENT_CERT=pem_files["cert"][0],
        TEMPORAL_TLS_CLIENT_KEY=pem_files["key"][0],
        TEMPORAL_TLS_SERVER_CA=pem_files["ca"][0],
    )
    assert c["namespace"] == "regtest.a1b2c"
    assert c["api_key"] is None
    assert c["tls"] == {
        "client_cert": pem_files["cert"][1],
        "client_private_key": pem_files["key"][1],
        "server_root_ca_cert": pem_files["ca"][1],
    }
    assert c["tls"]["client_cert"].startswith("-----BEGIN CERTIFICATE-----")
    assert "PRIVATE KEY-----" in c["tls"]["client_private_key"]


def test_cloud_api_key_implies_tls():
    key = secrets.token_urlsafe(32)
    c = connection_of(TEMPORAL_API_KEY=key, TEMPORAL_ADDRESS="regtest.a1b2c.tmprl.cloud:7233")
    assert c["api_key"] == key
    assert c["tls"] is True


def test_plain_connection_by_default():
    c = connection_of()
    assert c["api_key"] is None and c["tls"] is False


def test_missing_pem_file_is_a_clear_error(tmp_path):
    done = run(
        ["python", "-c", PRINT_CONNECTION],
        env(TEMPORAL_TLS_CLIENT_CERT=str(tmp_path / "absent.pem"), TEMPORAL_TLS_CLIENT_KEY=str(tmp_path / "absent.key")),
    )
    assert done.returncode != 0
    assert "absent.pem" in done.stderr
