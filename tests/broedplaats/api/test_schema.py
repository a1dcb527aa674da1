"""The committed schema (docs/openapi.yaml) is the generated one, it validates without a
warning, and it documents every status an operation can answer (broedplaats/api/schema.py)."""

import inspect
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from rest_framework import serializers

from broedplaats.api import finder, spaces, throughput
from broedplaats.api.schema import SPACE_TAKEN_OPERATIONS
from broedplaats.api.serializers import accounts, allocation, matching, places
from chains.api import profile as chain_profile
from chains.api import serializers as chain_serializers

ROOT = Path(__file__).resolve().parents[3]
COMMITTED = ROOT / "docs" / "openapi.yaml"
REGENERATE = "python manage.py spectacular --lang en --file docs/openapi.yaml"


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("schema") / "openapi.yaml"
    call_command("spectacular", "--lang", "en", "--validate", "--fail-on-warn",
                 "--file", str(path))
    return path.read_text()


@pytest.fixture(scope="module")
def schema(generated) -> dict:
    return yaml.safe_load(generated)


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_the_committed_schema_is_the_generated_one(generated):
    """On either database: the schema carries no bound that is only the database's."""
    assert COMMITTED.read_text() == generated, (
        f"docs/openapi.yaml differs from the API's schema; regenerate it with `{REGENERATE}` "
        "and commit it.")


def test_every_operation_documents_not_found_and_throttling(schema):
    for path, method, operation in operations(schema):
        for code in ("404", "429"):
            assert code in operation["responses"], (method, path, code)
        assert "Retry-After" in operation["responses"]["429"]["headers"]


def test_every_operation_that_authenticates_documents_401_with_www_authenticate(schema):
    for path, method, operation in operations(schema):
        if any(operation.get("security", [])):
            assert "WWW-Authenticate" in operation["responses"]["401"]["headers"], (method, path)


def test_every_write_documents_400_403_and_its_body_as_json_only(schema):
    for path, method, operation in operations(schema):
        if method == "get":
            continue
        responses = operation["responses"]
        # A write that authenticates may be forbidden; the token log-in authenticates nobody.
        authenticates = any(requirement for requirement in operation.get("security") or [])
        expected = {"400", "403"} if authenticates else {"400"}
        assert expected <= set(responses), (method, path)
        assert responses["400"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/FieldErrors"}
        if "requestBody" in operation:
            assert "415" in responses, (method, path)
            content = operation["requestBody"]["content"]
            if "multipart/form-data" in content:  # only where a file is uploaded
                assert _uploads_a_file(schema, content["multipart/form-data"]["schema"]), path


def _uploads_a_file(schema, body: dict) -> bool:
    """Whether a request body's schema has a file (a binary string) among its fields."""
    if "$ref" in body:
        body = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
    return any(field.get("format") == "binary" for field in body.get("properties", {}).values())


def test_the_operations_that_can_find_the_space_taken_document_409(schema):
    ids = {operation["operationId"]: operation for _path, _method, operation in operations(schema)}
    assert SPACE_TAKEN_OPERATIONS <= set(ids), "an operation id in SPACE_TAKEN_OPERATIONS changed"
    for operation_id in SPACE_TAKEN_OPERATIONS:
        assert "409" in ids[operation_id]["responses"]


def test_pages_count_from_one_and_empty_optional_filters_are_documented(schema):
    parameters = {parameter["name"]: parameter
                  for parameter in schema["paths"]["/api/spaces/"]["get"]["parameters"]}
    assert parameters["page"]["schema"]["minimum"] == 1
    assert parameters["kind"]["allowEmptyValue"] is True
    assert parameters["page"]["allowEmptyValue"] is True


def test_the_error_bodies_are_components(schema):
    components = schema["components"]["schemas"]
    assert components["Error"]["required"] == ["detail"]
    assert "non_field_errors" in components["FieldErrors"]["properties"]


def _nullable_on_the_way(model, attrs: list[str]) -> bool:
    for attr in attrs:
        try:
            field = model._meta.get_field(attr)
        except Exception:  # a property or method: not a model field
            return False
        if getattr(field, "null", False):
            return True
        if not field.is_relation:
            return False
        model = field.related_model
    return False


def test_read_only_fields_over_a_nullable_field_are_nullable_in_the_schema():
    """`EventOutput.by` was null while typed string: a declared read-only field whose source
    passes a nullable field must allow null, or the schema lies."""
    wrong = []
    for module in (accounts, allocation, matching, places, chain_serializers, chain_profile,
                   finder, throughput, spaces):
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if not (issubclass(cls, serializers.ModelSerializer) and
                    cls.__module__ == module.__name__):
                continue
            for field_name, field in cls().fields.items():
                if (not field.read_only or field.allow_null or field.source == "*" or
                        isinstance(field, serializers.ListSerializer | serializers.ManyRelatedField)):
                    continue
                if _nullable_on_the_way(cls.Meta.model, field.source.split(".")):
                    wrong.append(f"{name}.{field_name}")
    assert wrong == []
