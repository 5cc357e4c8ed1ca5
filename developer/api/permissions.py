"""Scopes: what a view needs, declared on the view; the key must hold it (and its role decides the rest)."""

from rest_framework import exceptions, permissions

# Declared by endpoints about the key itself (`me/`): any valid key may call them, whatever it holds.
ANY_SCOPE = "*"


class HasScope(permissions.BasePermission):
    """Authenticated by an API key that holds the scope the view declares for this request.

    Views declare `required_scopes = {"GET": "chargebacks:read", "POST": "chargebacks:write"}`, or
    `{"list": ..., "retrieve": ..., "evidence.POST": ...}` by viewset action, optionally with the
    method (most specific wins). A view that declares nothing is refused: forgetting a scope must not open an endpoint.
    Includes the authentication check itself (custom permission_classes replace the defaults: trap 11).
    """

    def has_permission(self, request, view):
        key = getattr(request, "api_key", None)
        if key is None or not request.user or not request.user.is_authenticated:
            raise exceptions.NotAuthenticated("Send an API key as 'Authorization: Bearer <key>'.")
        if request.method.upper() not in view.allowed_methods:
            return True  # the view answers 405 itself; no scope can make an unsupported method work
        scope = required_scope(view, request)
        if scope is None:
            raise exceptions.PermissionDenied("This endpoint declares no scope, so no key may call it.")
        if scope != ANY_SCOPE and not key.has_scope(scope):
            raise exceptions.PermissionDenied(f"This API key lacks the scope '{scope}'.", code="missing_scope")
        return True


def required_scope(view, request) -> str | None:
    declared = getattr(view, "required_scopes", None) or {}
    action = getattr(view, "action", None)
    method = "GET" if request.method in ("HEAD", "OPTIONS") else request.method
    for name in (f"{action}.{method}", action, method):
        if name in declared:
            return declared[name]
    return None
