"""Scopes: what a view needs, declared on the view; the key must hold it (and its role decides the rest)."""

from django.utils.translation import gettext
from rest_framework import exceptions, permissions

from acorn_portal.tenancy import perm_in_org

# Declared by endpoints about the key itself (`me/`): any valid key may call them, whatever it holds.
ANY_SCOPE = "*"


class HasScope(permissions.BasePermission):
    """Authenticated by an API key that holds the scope the view declares for this request.

    Views declare `required_scopes = {"GET": "chargebacks:read", "POST": "chargebacks:write"}`, or
    `{"list": ..., "retrieve": ..., "evidence.POST": ...}` by viewset action, optionally with the
    method (most specific wins). A view that declares nothing is refused: forgetting a scope must not open an endpoint.
    Views may also declare `required_perms` the same way: role permissions the key's service user
    must hold (capped by its issuer's), so a key never does what its role may not, whatever its scopes.
    Includes the authentication check itself (custom permission_classes replace the defaults: trap 11).
    """

    def has_permission(self, request, view):
        key = getattr(request, "api_key", None)
        if key is None or not request.user or not request.user.is_authenticated:
            raise exceptions.NotAuthenticated(gettext("Send an API key as 'Authorization: Bearer <key>'."))
        if request.method.upper() not in view.allowed_methods:
            return True  # the view answers 405 itself; no scope can make an unsupported method work
        scope = required_scope(view, request)
        if scope is None:
            raise exceptions.PermissionDenied(gettext("This endpoint declares no scope, so no key may call it."))
        if scope != ANY_SCOPE and not key.has_scope(scope):
            raise exceptions.PermissionDenied(
                gettext("This API key lacks the scope '%(scope)s'.") % {"scope": scope}, code="missing_scope"
            )
        perm = required_scope(view, request, "required_perms")
        if perm is not None and not perm_in_org(request.user, perm, key.organization_id):
            raise exceptions.PermissionDenied(
                gettext("This API key's role (or the role of the person who issued it) may not do this."),
                code="role_denied",
            )
        return True


def required_scope(view, request, attribute: str = "required_scopes") -> str | None:
    """What the view declares for this request in `attribute` (scopes, or role permissions in `required_perms`)."""
    declared = getattr(view, attribute, None) or {}
    action = getattr(view, "action", None)
    method = "GET" if request.method in ("HEAD", "OPTIONS") else request.method
    for name in (f"{action}.{method}", action, method):
        if name in declared:
            return declared[name]
    return None
