"""The OpenAPI schema: generated from the DRF views, valid OpenAPI 3, listing
every /api/ endpoint; served at /api/schema/ and as a page, both for
logged-in users only, with no CDN."""
import re

import pytest
import yaml
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from openapi_spec_validator import validate
from .clients import api_token
from .factories import UserFactory

SCHEMA_VIEWS = {"api-schema", "api-docs"}  # the schema and its page, not API endpoints


def api_paths() -> set[str]:
    """Every route under /api/ known to the URL resolver, in OpenAPI form."""
    paths = set()

    def walk(patterns, prefix):
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, route)
            elif isinstance(p, URLPattern) and route.startswith("api/") and p.name not in SCHEMA_VIEWS:
                paths.add("/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route))

    walk(get_resolver().url_patterns, "")
    return paths


@pytest.fixture
def schema(db):
    user = UserFactory(role="tester")
    response = Client().get("/api/schema/", HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    assert response.status_code == 200
    assert "openapi" in response["Content-Type"]
    return yaml.safe_load(response.content)


def test_schema_is_valid_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    validate(schema)  # raises on any violation of the OpenAPI 3 specification


def test_schema_lists_every_api_endpoint(schema):
    documented = set(schema["paths"])
    routes = api_paths()
    assert "/api/cycles/{cycle_id}/reports/{report_id}/tester-review" in routes  # the walk sees the API
    assert documented == routes


def test_submissions_document_idempotency_key_body_and_errors(schema):
    for name in ("tester-review", "report-owner-approval"):
        post = schema["paths"][f"/api/cycles/{{cycle_id}}/reports/{{report_id}}/{name}"]["post"]
        headers = [p["name"] for p in post["parameters"] if p["in"] == "header"]
        assert headers == ["Idempotency-Key"]
        assert "requestBody" in post and post["requestBody"]["required"]
        assert {"200", "202", "400", "401", "403", "404", "409"} <= set(post["responses"])
    review = schema["components"]["schemas"]["TesterReviewRequest"]
    assert review["required"] == ["decisions"]
    start = schema["paths"]["/api/cycles/{cycle_id}/reports/{report_id}/start"]["post"]
    assert {"200", "201", "503"} <= set(start["responses"])
    status = schema["paths"]["/api/cycles/{cycle_id}/reports/{report_id}/status"]["get"]
    assert status["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/Status")


def test_schema_needs_login(db):
    assert Client().get("/api/schema/").status_code == 401


def test_docs_page_is_served_without_a_cdn(db):
    anonymous = Client().get("/api/docs/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    client = Client()
    client.force_login(UserFactory(role="tester"))
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    scripts = re.findall(r'src="([^"]+)"', html)
    assert any("swagger-ui" in s for s in scripts)
    # Swagger UI's start-up script comes from the page's own URL (?script),
    # not inline: the Content-Security-Policy allows no inline script.
    assert "/api/docs/?script=" in scripts
    assert all(s.startswith("/static/") or s == "/api/docs/?script=" for s in scripts), scripts
    assert "<script>" not in html and "<style" not in html
    assert "cdn" not in html.lower()
    start = client.get("/api/docs/?script=")
    assert start.status_code == 200 and "javascript" in start["Content-Type"]
    assert "/api/schema/" in start.content.decode()
