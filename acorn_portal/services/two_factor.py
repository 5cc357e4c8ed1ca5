"""Two-factor authentication: who needs it, enrolment, recovery codes, verification, reset.

Built on django-otp: a TOTP device (an authenticator app) and a static device holding single-use
recovery codes. A session is "verified" when django_otp.login() stored the device that accepted a
code; `acorn_portal.middleware.TwoFactorMiddleware` keeps everyone who needs a second factor on the
two-factor pages until then.

Who needs it: superusers, and anyone who is a manager or admin in any organization. The other
roles may enrol; once they have, they are asked at every sign-in too. The published demo users are
exempt while settings.ACORN_2FA_EXEMPT_DEMO is on (it follows DEBUG).
"""

import enum
import io
from dataclasses import dataclass

import django_otp
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from acorn_portal.models import AuditAction, Membership
from acorn_portal.roles import Role
from acorn_portal.services.audit import record_audit
from acorn_portal.tenancy import organizations_with_perm

ROLES_REQUIRING_2FA = (Role.MANAGER, Role.ADMIN)
TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


class Need(enum.Enum):
    NONE = "none"  # may use the portal with a password alone
    ENROL = "enrol"  # must set up an authenticator app first
    VERIFY = "verify"  # has one: must give a code for this session


def is_required(user) -> bool:
    """Whether the user's role obliges them to use a second factor (whether or not they enrolled)."""
    return _facts(user, cache=False)[0]


def _facts(user, *, cache: bool = True) -> tuple[bool, bool]:
    """(required by role, has a confirmed authenticator) in one query; the middleware caches it on
    request.user, which lives for one request."""
    cached = getattr(user, "_acorn_2fa_facts", None)
    if cache and cached is not None:
        return cached
    row = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .values_list(
            Exists(Membership.objects.filter(user=OuterRef("pk"), role__in=ROLES_REQUIRING_2FA)),
            Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
        )
        .first()
    ) or (False, False)
    required, enrolled = row
    facts = (bool((required or user.is_superuser) and not _demo_exempt(user)), bool(enrolled))
    if cache:
        user._acorn_2fa_facts = facts
    return facts


def _demo_exempt(user) -> bool:
    if not getattr(settings, "ACORN_2FA_EXEMPT_DEMO", False):
        return False
    from acorn_portal.services.demo import DEMO_SLUG, DEMO_USERS

    return (
        user.get_username() in DEMO_USERS
        and not user.is_superuser
        and Membership.objects.filter(user=user, organization__slug=DEMO_SLUG).exists()
    )


def need_for(user) -> Need:
    """What the user still has to do in this session before using the portal."""
    if not user.is_authenticated:
        return Need.NONE
    is_verified = getattr(user, "is_verified", None)
    if is_verified is not None and is_verified():
        return Need.NONE
    required, enrolled = _facts(user)
    if enrolled:
        return Need.VERIFY
    return Need.ENROL if required else Need.NONE


def has_two_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


# --------------------------------------------------------------------------------------------------
# Enrolment


def pending_device(user) -> TOTPDevice:
    """The unconfirmed authenticator being set up (the same secret across reloads of the page)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def secret_of(device: TOTPDevice) -> str:
    """The secret as people type it into an app: base32 in groups of four."""
    from base64 import b32encode

    text = b32encode(device.bin_key).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG (drawn here: no image service ever sees the secret)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return svg[svg.index("<svg") :]  # drop the XML declaration: the SVG sits inside HTML


@dataclass
class Enrolment:
    device: TOTPDevice
    recovery_codes: list[str]


def confirm_enrolment(*, request, device: TOTPDevice, token: str) -> Enrolment | None:
    """Check the first code from the app; on success the device counts and recovery codes are made.

    Returns None (and records nothing) when the code is wrong. The session is verified by it.
    """
    user = request.user
    if device.user_id != user.pk or device.confirmed:
        raise PermissionDenied(_("This is not an authenticator being set up for you."))
    token = _clean(token)
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if not device.verify_token(token):
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        # One authenticator per person: a new enrolment replaces any earlier one.
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        codes = _new_recovery_codes(user)
        _audit(request, user, "enrolled")
    django_otp.login(request, device)
    _remember(user, enrolled=True)
    return Enrolment(device=device, recovery_codes=codes)


def regenerate_recovery_codes(*, request) -> list[str]:
    """New codes for a verified session; the old ones stop working."""
    user = request.user
    if not (user.is_verified() and has_two_factor(user)):
        raise PermissionDenied(_("Confirm a code from your authenticator first."))
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        _audit(request, user, "recovery_codes_regenerated")
    return codes


def _new_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.ACORN_RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


# --------------------------------------------------------------------------------------------------
# Verification after the password


@dataclass
class Verification:
    ok: bool
    method: str = ""  # "totp" or "recovery_code"
    message: str = ""
    recovery_codes_left: int | None = None


def verify(*, request, token: str) -> Verification:
    """Check a code from the authenticator or a recovery code; on success the session is verified.

    Wrong codes slow the next attempt down (django-otp throttling, doubling each time) and are audited.
    """
    user = request.user
    token = _clean(token)
    if not token:
        return Verification(ok=False, message=_("Enter the code from your authenticator app or a recovery code."))
    devices = list(TOTPDevice.objects.filter(user=user, confirmed=True)) + list(
        StaticDevice.objects.filter(user=user, confirmed=True)
    )
    # A device that failed just before refuses even the right code for a while (django-otp's
    # throttling, doubling with each failure): try only the others, and say why if none is left.
    checks = [(device, device.verify_is_allowed()) for device in devices]
    waits = [detail.get("locked_until") for _device, (allowed, detail) in checks if not allowed]
    for device in (device for device, (allowed, _detail) in checks if allowed):
        verified = django_otp.verify_token(user, device.persistent_id, token)
        if verified is not None:
            django_otp.login(request, verified)
            method = "recovery_code" if isinstance(verified, StaticDevice) else "totp"
            left = verified.token_set.count() if method == "recovery_code" else None
            detail = {"method": method}
            if left is not None:
                detail["recovery_codes_left"] = left
            _audit(request, user, "verified", **detail)
            return Verification(ok=True, method=method, recovery_codes_left=left)
    _audit(request, user, "verify_failed", throttled=bool(waits))
    if waits:
        until = max((w for w in waits if w), default=None)
        return Verification(
            ok=False,
            message=_("Too many wrong codes: wait until %(until)s UTC and try again.") % {"until": f"{until:%H:%M:%S}"}
            if until
            else _("Too many wrong codes: wait a little and try again."),
        )
    return Verification(ok=False, message=_("That code is not valid. Check the time on your phone and try again."))


# --------------------------------------------------------------------------------------------------
# Reset by a superuser or an organization admin


def may_reset(actor, user) -> bool:
    """Superusers reset anyone; an organization admin resets people who belong only to organizations
    they administer (so an admin of one customer cannot weaken an account of another) and never a
    superuser."""
    if not actor.is_authenticated or not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    if user.is_superuser:
        return False
    managed = organizations_with_perm(actor, "acorn_portal.change_membership") or set()
    theirs = set(Membership.objects.filter(user=user).values_list("organization_id", flat=True))
    return bool(theirs) and theirs <= managed


def reset_two_factor(*, request, user) -> int:
    """Remove a person's authenticator and recovery codes; they enrol again at their next sign-in
    (at once if their role requires it). Returns the number of devices removed."""
    actor = request.user
    if not may_reset(actor, user):
        raise PermissionDenied(_("You may not reset two-factor authentication of %(user)s.") % {"user": user})
    with transaction.atomic():
        removed = TOTPDevice.objects.filter(user=user).delete()[0]
        removed += StaticDevice.objects.filter(user=user).delete()[1].get("otp_static.StaticDevice", 0)
        _audit(request, user, "reset", reset_by=actor.get_username(), devices_removed=removed)
    return removed


# --------------------------------------------------------------------------------------------------


def _clean(token: str) -> str:
    return "".join((token or "").split()).lower()


def _remember(user, *, enrolled: bool):
    required = getattr(user, "_acorn_2fa_facts", (False, False))[0]
    user._acorn_2fa_facts = (required, enrolled)


def _audit(request, user, event: str, **detail):
    """One TWO_FACTOR row per organization the person belongs to (each one's admins see it)."""
    org_ids = list(Membership.objects.filter(user=user).values_list("organization_id", flat=True)) or [None]
    for org_id in org_ids:
        record_audit(
            AuditAction.TWO_FACTOR,
            request=request,
            actor=request.user if request.user.is_authenticated else None,
            organization=org_id,
            event=event,
            user=user.get_username(),
            **detail,
        )
