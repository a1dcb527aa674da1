"""The schema's error responses, added to every operation by one rule instead of per view.

A drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]): it adds
the two error bodies of `api/errors.py` as components and, to each operation, every status it
can answer beside its own:

- 400 (field errors) where it reads input: a body, query parameters, or any write;
- 401 (with `WWW-Authenticate`) where it authenticates at all: a wrong token is refused even
  where no login is needed;
- 403 where it needs a login, or writes (a session's CSRF check, a role or rule refusing);
- 404 everywhere: an unknown id or slug, a page past the last, an unknown `?format=`;
- 409 where a service can refuse because the space is let or promised (`SPACE_TAKEN_OPERATIONS`);
- 415 where it takes a body;
- 429 everywhere (throttling), with `Retry-After`;
- 503 everywhere (the database cannot be reached, broedplaats/unavailable.py), with
  `Retry-After`, always JSON.

Statuses an operation documents itself are left as they are.
"""

SAFE_METHODS = {"get", "head", "options"}
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}

# Operations whose service refuses a let or promised space (services.places.SPACE_TAKEN).
SPACE_TAKEN_OPERATIONS = frozenset({
    "me_offers_accept_create",                           # the tenancy it makes overlaps
    "programmer_applications_offer_create",              # an open offer or a tenancy holds it
    "programmer_rounds_confirm_create",                  # the offers it makes, as above
    "programmer_tenancies_end_create",                   # ending later runs into the next
    "programmer_tenancies_renew_create",                 # renewing runs into the next
})

ERROR = {
    "type": "object",
    "description": "An error that names no field.",
    "properties": {"detail": {"type": "string", "description": "What went wrong, to show."}},
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": "Refused input: each key a field of the request (a query parameter or a "
                   "body field; `non_field_errors` for the request as a whole), each value its "
                   "messages (an object or a list of them for nested input).",
    "properties": {"non_field_errors": {"type": "array", "items": {"type": "string"}}},
    "additionalProperties": {"anyOf": [{"type": "array"}, {"type": "object"}]},
}


def _json(ref: str) -> dict:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}


RESPONSES = {
    "400": {"description": "Invalid input; the body names each field and what is wrong.",
            "content": _json("FieldErrors")},
    "401": {"description": "No valid credentials: no token or session, or a wrong or expired "
                           "token.",
            "headers": {"WWW-Authenticate": {"schema": {"type": "string"}, "required": True,
                                             "description": "How to authenticate: `Token`."}},
            "content": _json("Error")},
    "403": {"description": "Not allowed for this user or role (or a session call without "
                           "its CSRF token).",
            "content": _json("Error")},
    "404": {"description": "Not found, or not yours to see: an unknown id or slug, a page "
                           "past the last, an unknown format.",
            "content": _json("Error")},
    "409": {"description": "The space is let or promised in this period; the body names the "
                           "field.",
            "content": _json("FieldErrors")},
    "415": {"description": "A body in a media type the operation does not take.",
            "content": _json("Error")},
    "429": {"description": "Too many requests; try again after `Retry-After` seconds.",
            "headers": {"Retry-After": {"schema": {"type": "integer"},
                                        "description": "Seconds to wait."}},
            "content": _json("Error")},
}
UNAVAILABLE = {
    "description": "The service cannot reach its database for a moment; try again after "
                   "`Retry-After` seconds.",
    "headers": {"Retry-After": {"schema": {"type": "integer"},
                                "description": "Seconds to wait."}},
    "content": _json("Error"),
}


def _statuses(method: str, operation: dict) -> list[str]:
    security = operation.get("security") or []
    authenticates = any(requirement for requirement in security)
    public = not security or {} in security
    has_query = any(parameter.get("in") == "query"
                    for parameter in operation.get("parameters", []))
    writes = method not in SAFE_METHODS
    statuses = ["404", "429"]
    if "requestBody" in operation or has_query or writes:
        statuses.append("400")
    if authenticates:
        statuses.append("401")
    if authenticates and (not public or writes):
        statuses.append("403")
    if operation.get("operationId") in SPACE_TAKEN_OPERATIONS:
        statuses.append("409")
    if "requestBody" in operation:
        statuses.append("415")
    return statuses


def _query_parameters(operation: dict) -> None:
    """Pages count from 1 (a page past the last is a 404, documented above). An optional
    parameter left empty (`?status=`, `?page=`, `?start=`) is as if not given, as a page's
    form sends it: the schema says so with `allowEmptyValue`."""
    for parameter in operation.get("parameters", []):
        if parameter.get("in") != "query":
            continue
        if parameter.get("name") == "page":
            parameter["schema"] = {**parameter.get("schema", {}), "minimum": 1}
        if not parameter.get("required"):
            parameter["allowEmptyValue"] = True


# The ends of the databases' integer columns, which DRF copies into a model field's bounds from
# the database in use (SQLite's are all 64-bit, PostgreSQL's by column size): left in, the
# schema would differ by database.
DATABASE_INTEGER_ENDS = {2**15 - 1, 2**31 - 1, 2**63 - 1, -(2**15), -(2**31), -(2**63)}


def _without_database_bounds(node) -> None:
    """Drop integer bounds that are only the database's, so the schema is one everywhere."""
    if isinstance(node, list):
        for item in node:
            _without_database_bounds(item)
        return
    if not isinstance(node, dict):
        return
    if node.get("type") == "integer":
        for bound in ("maximum", "minimum"):
            if node.get(bound) in DATABASE_INTEGER_ENDS:
                if node.pop(bound) in (2**63 - 1, -(2**63)) and node.get("format") == "int64":
                    node.pop("format")
    for value in node.values():
        _without_database_bounds(value)


FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def _json_bodies_only(operation: dict) -> None:
    """Document a body as JSON only, unless it uploads a file: lists, nulls and nested
    objects have no form encoding (the form parsers stay for the browsable API)."""
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content or '"binary"' in repr(content).replace("'", '"'):
        return
    for media_type in FORM_TYPES:
        content.pop(media_type, None)


def _csv_errors(operation: dict, responses: dict) -> None:
    """An operation that answers CSV (`?format=csv`) answers its errors in CSV too."""
    if "text/csv" not in responses.get("200", {}).get("content", {}):
        return
    for code, response in responses.items():
        if code.startswith(("4", "5")) and "content" in response:
            response["content"] = {**response["content"],
                                   "text/csv": {"schema": {"type": "string"}}}


def document_error_responses(result, generator, request, public):
    """drf-spectacular hook: the error components and every operation's error statuses."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR)
    schemas.setdefault("FieldErrors", FIELD_ERRORS)
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in HTTP_METHODS:
                continue
            _query_parameters(operation)
            _json_bodies_only(operation)
            responses = operation.setdefault("responses", {})
            for code in _statuses(method, operation):
                if code not in responses or "content" not in responses[code]:
                    responses[code] = {**RESPONSES[code], **responses.get(code, {})}
            _csv_errors(operation, responses)
            responses.setdefault("503", UNAVAILABLE)  # JSON even where the data is CSV
            operation["responses"] = dict(sorted(responses.items()))
    _without_database_bounds(result)
    return result
