"""OpenAPI additions: the two security schemes (API key, OAuth 2.0), and the problem+json error responses
every operation can give."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from developer.scopes import Scope

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "required": ["type", "title", "status", "detail", "instance", "request_id"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "request_id": {"type": "string", "description": "Also in the X-Request-ID response header."},
        "errors": {
            "type": "object",
            "description": "Per-field messages (validation errors); nested ones by dotted path (`items.0.quantity`).",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
        "invalid_params": {
            "type": "array",
            "description": "Validation errors one by one, each with a JSON pointer into the request body.",
            "items": {
                "type": "object",
                "required": ["name", "pointer", "reason", "code"],
                "properties": {
                    "name": {"type": "string", "description": "Dotted path, as in `errors`."},
                    "pointer": {"type": "string", "description": "RFC 6901 JSON pointer, e.g. `/items/0/quantity`."},
                    "reason": {"type": "string"},
                    "code": {"type": "string", "description": "e.g. `required`, `min_value`, `invalid`."},
                },
            },
        },
        "retry_after": {"type": "integer", "description": "Seconds to wait (429 only; also in Retry-After)."},
        "accepted_params": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Unknown query parameters only: the parameters this list accepts.",
        },
    },
}
ERRORS = {
    "400": "Invalid request (see `errors`)",
    "401": "Missing, unknown, expired or revoked API key or access token",
    "403": "The key or token lacks the scope, or its role may not do this",
    "404": "Not found (or belongs to another organization)",
    "429": "Too many requests for this key; see Retry-After",
}
POST_ERRORS = {
    "409": "Conflict: the case changed, the transition does not apply now, or the same Idempotency-Key is in flight",
    "422": "The Idempotency-Key was used with a different body",
}
REQUEST_ID_HEADER = {"X-Request-ID": {"schema": {"type": "string"}, "description": "The request id, echoed or minted."}}


class BearerKeyScheme(OpenApiAuthenticationExtension):
    target_class = "developer.api.authentication.BearerKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "<prefix>.<secret>",
            "description": "A key issued in the Developer center: `Authorization: Bearer <prefix>.<secret>`.",
        }


class OAuthTokenScheme(OpenApiAuthenticationExtension):
    target_class = "developer.api.oauth_authentication.OAuthTokenAuthentication"
    name = "OAuth2"

    def get_security_definition(self, auto_schema):
        return {
            "type": "oauth2",
            "description": (
                "For third-party apps: an organization's admin allows the app on ACORN's consent page; the app "
                "exchanges the code for tokens. Authorization code with PKCE (S256) only; access tokens "
                "(`acorn_at_…`) last an hour, refresh tokens (`acorn_rt_…`) rotate on every use. Scopes are the "
                "API key scopes. See docs/OAUTH.md."
            ),
            "flows": {
                "authorizationCode": {
                    "authorizationUrl": "/oauth/authorize/",
                    "tokenUrl": "/oauth/token/",
                    "refreshUrl": "/oauth/token/",
                    "scopes": dict(Scope.choices),
                }
            },
        }

    def get_security_requirement(self, auto_schema):
        """The scope this operation needs, read from the view as the permission class reads it."""
        view = auto_schema.view
        declared = getattr(view, "required_scopes", None) or {}
        method = auto_schema.method.upper()
        action = getattr(view, "action", None)
        for name in (f"{action}.{method}", action, method):
            if name in declared:
                return {self.name: [declared[name]]}
        return {self.name: []}


def add_problem_responses(result, generator, request, public):
    """Postprocessing hook: document the problem+json errors and X-Request-ID on every API operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    reference = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/") or path.startswith(("/api/v1/schema", "/api/v1/docs")):
            continue
        for method, operation in operations.items():
            errors = dict(ERRORS)
            if method == "post":
                errors |= POST_ERRORS
                operation.setdefault("parameters", []).append(
                    {
                        "in": "header",
                        "name": "Idempotency-Key",
                        "schema": {"type": "string", "maxLength": 255},
                        "description": "Makes a retry safe: a repeat returns the first response.",
                    }
                )
            responses = operation.setdefault("responses", {})
            for code, description in errors.items():
                responses.setdefault(code, {"description": description, "content": reference})
            for response in responses.values():
                response.setdefault("headers", {}).update(REQUEST_ID_HEADER)
    return result
