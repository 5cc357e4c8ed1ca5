"""Issuing and revoking API keys: the one door used by the developer center and `issue_api_key`."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from acorn_portal import clock
from acorn_portal.models import AuditAction, Membership
from acorn_portal.roles import ROLE_PERMISSIONS, Role
from acorn_portal.services.audit import record_audit
from acorn_portal.tenancy import perm_in_org
from developer.models import APIKey
from developer.scopes import parse_scopes

# Written at most this often, so a busy key does not turn every request into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def cache_key(prefix: str) -> str:
    """Where the authentication class keeps a key's row for a few seconds."""
    return f"acorn:api-key:{prefix}"


def _service_username(prefix: str) -> str:
    return f"api-key-{prefix}".lower()


def issue_api_key(
    *,
    organization,
    name: str,
    scopes,
    role: str = Role.OPERATIONS,
    expires_at=None,
    created_by=None,
    acting_for=None,
    request=None,
) -> tuple[APIKey, str]:
    """Create a key and its service user; returns (key, secret). The secret exists only in the return value.

    `created_by` must be an admin of the organization (None: a command run by the operator). The key
    is that person's delegate: its role may grant nothing the issuer lacks, and at use time it holds a
    permission only while the issuer still does (acorn_portal.tenancy), so demoting the person
    demotes their keys. `acting_for` names that person when the operator issues a key for someone
    (the command's --for); otherwise the issuer is the person.
    """
    if created_by is not None and not perm_in_org(created_by, "developer.add_apikey", organization.pk):
        raise PermissionDenied(_("Only the organization's admins may create API keys."))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the key a name."})
    try:
        scopes = parse_scopes(scopes)
    except ValueError as exc:
        raise ValidationError({"scopes": str(exc)}) from None
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}."})
    if acting_for is not None and created_by is not None and not created_by.is_superuser:
        raise PermissionDenied(_("Only the operator issues keys on someone else's behalf."))
    person = acting_for if acting_for is not None else created_by
    capped = person is not None and not person.is_superuser
    if capped and (not person.is_active or role not in roles_issuable_by(person, organization)):
        raise ValidationError(
            {"role": f"A key may not do more than the person it acts for: {person} may not have role {role!r}."}
        )
    if expires_at is not None and expires_at <= clock.now():
        raise ValidationError({"expiry_date": "The expiry must be in the future."})
    with transaction.atomic():
        key = APIKey(organization=organization, name=name[:50], scopes=scopes, role=role, expiry_date=expires_at)
        secret = APIKey.objects.assign_key(key)
        user = get_user_model()(username=_service_username(key.prefix), first_name=f"API key {name}"[:150])
        user.set_unusable_password()  # a service user never signs in to the portal
        user.save()
        delegate_of = person if person is not None and not person.is_superuser else None
        Membership.objects.create(user=user, organization=organization, role=role, delegate_of=delegate_of)
        key.user = user
        key.created_by = created_by
        key.save()
        # The prefix may have been probed (and remembered as unknown) before the key existed.
        prefix = key.prefix
        transaction.on_commit(lambda: cache.delete(cache_key(prefix)))
        cache.delete(cache_key(prefix))
        record_audit(
            AuditAction.API_KEY_CREATED,
            actor=created_by,
            actor_label="" if created_by else "manage.py issue_api_key",
            request=request,
            organization=organization,
            target=key,
            name=key.name,
            prefix=key.prefix,
            scopes=scopes,
            role=role,
            acting_for=delegate_of.get_username() if delegate_of else None,
            expires=key.expiry_date,
        )
    return key, secret


def roles_issuable_by(person, organization) -> list[str]:
    """The roles whose every permission `person` holds in the organization (all of them for superusers)."""
    return [
        role
        for role in Role.values
        if all(perm_in_org(person, perm, organization.pk) for perm in ROLE_PERMISSIONS[role])
    ]


def revoke_api_key(*, key: APIKey, actor=None, request=None) -> APIKey:
    """Revoke for good (the library refuses un-revoking); the service user is deactivated with it."""
    if actor is not None and not perm_in_org(actor, "developer.change_apikey", key.organization_id):
        raise PermissionDenied(_("Only the organization's admins may revoke API keys."))
    with transaction.atomic():
        key = APIKey.objects.select_for_update().get(pk=key.pk)
        if key.revoked:
            return key
        key.revoked = True
        key.revoked_at = clock.now()
        key.save(update_fields=["revoked", "revoked_at"])
        type(key.user).objects.filter(pk=key.user_id).update(is_active=False)
        prefix = key.prefix
        transaction.on_commit(lambda: cache.delete(cache_key(prefix)))
        cache.delete(cache_key(prefix))
        record_audit(
            AuditAction.API_KEY_REVOKED,
            actor=actor,
            request=request,
            organization=key.organization_id,
            target=key,
            name=key.name,
            prefix=key.prefix,
        )
    return key


def touch_last_used(key: APIKey, now=None) -> bool:
    """Record use, at most once a minute per key (a conditional UPDATE, so concurrent requests write once).

    True when it wrote (the caller refreshes its cached copy of the key).
    """
    now = now or clock.now()
    if key.last_used_at is not None and now - key.last_used_at < LAST_USED_RESOLUTION:
        return False
    threshold = now - LAST_USED_RESOLUTION
    from django.db.models import Q

    APIKey.objects.filter(Q(last_used_at__isnull=True) | Q(last_used_at__lt=threshold), pk=key.pk).update(
        last_used_at=now
    )
    key.last_used_at = now
    return True
