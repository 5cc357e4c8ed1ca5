"""An organization's people: invitations, roles, deactivation, two-factor resets, the organization in use.

Every verb takes the acting user and checks, here and not in the views, that they administer the
organization (their role there grants `acorn_portal.change_membership`). The rules:

- an invitation is for one e-mail and one role, valid `ACORN_INVITATION_DAYS` (7) days, used once;
- nobody changes their own role (so nobody raises it), and an admin cannot be removed or demoted
  when they are the organization's last admin;
- API keys' service users are never people: not listed, not invitable, not editable here.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from acorn_portal.formatting import local_date
from acorn_portal.languages import language_for_user
from acorn_portal.models import AuditAction, Membership, Organization
from acorn_portal.models_people import Invitation, Person, token_digest
from acorn_portal.roles import Role
from acorn_portal.services import two_factor
from acorn_portal.services.audit import record_audit
from acorn_portal.services.signup import absolute_url, unique_username
from acorn_portal.tenancy import organizations_with_perm

MANAGE_PEOPLE = "acorn_portal.change_membership"


def may_manage(actor, organization_id: int) -> bool:
    allowed = organizations_with_perm(actor, MANAGE_PEOPLE)
    return allowed is None or organization_id in allowed


def _require_manager(actor, organization) -> None:
    if not may_manage(actor, organization.pk):
        raise PermissionDenied(_("Only an admin of this organization manages its people."))


def real_people(users):
    """`users` without API keys' service users: those act for a program, never as a person to pick."""
    return users.filter(api_key__isnull=True)


def people_of(organization):
    """Memberships of real people (never API keys' service users), with what the people page shows."""
    enrolled = TOTPDevice.objects.filter(user=OuterRef("user"), confirmed=True)
    return (
        Membership.objects.filter(organization=organization, user__api_key__isnull=True)
        .select_related("user")
        .annotate(has_two_factor=Exists(enrolled))
        .order_by("user__email", "user__username")
    )


# -- invitations ----------------------------------------------------------------------------------


def invite(*, actor, organization, email: str, role: str, now, request=None) -> Invitation:
    """Send a single-use link; inviting an address again replaces its pending invitation."""
    _require_manager(actor, organization)
    email = (email or "").strip().lower()
    if role not in Role.values:
        raise ValidationError(_("Pick a role."))
    if people_of(organization).filter(user__email__iexact=email).exists():
        raise ValidationError(_("%(email)s is a member already.") % {"email": email})
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        Invitation.objects.pending(now).filter(organization=organization, email__iexact=email).update(revoked_at=now)
        invitation = Invitation.objects.create(
            organization=organization,
            email=email,
            role=role,
            token_digest=token_digest(token),
            invited_by=actor,
            created_at=now,
            expires_at=now + timedelta(days=settings.ACORN_INVITATION_DAYS),
        )
        record_audit(AuditAction.INVITED, actor=actor, request=request, target=invitation, email=email, role=role)
    link = absolute_url(reverse("onboarding:join", args=[token]), request)
    inviter = actor.get_full_name() or actor.email or actor.get_username()
    # The invitee has no language yet: their own if they have an account, else the organization's default.
    invitee = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
    with translation.override(language_for_user(invitee, organization)):
        values = {
            "inviter": inviter,
            "organization": organization.name,
            "role": invitation.get_role_display(),
            "link": link,
            "until": f"{local_date(invitation.expires_at.date())} {invitation.expires_at:%H:%M} UTC",
        }
        subject = gettext("%(inviter)s invites you to %(organization)s on ACORN") % values
        message = (
            gettext("%(inviter)s invites you to join %(organization)s on ACORN as %(role)s.") % values
            + "\n\n"
            + gettext("Accept here: %(link)s") % values
            + "\n\n"
            + gettext("The link works once, until %(until)s.") % values
        )
    send_mail(subject=subject, message=message, from_email=None, recipient_list=[email])
    return invitation


def find_invitation(token: str, *, now) -> Invitation:
    """The pending invitation of a link; ValidationError saying why a link no longer works."""
    invitation = Invitation.objects.select_related("organization").filter(token_digest=token_digest(token)).first()
    if invitation is None:
        raise ValidationError(_("This invitation link is not valid. Copy the whole link from the e-mail."))
    state = invitation.state(now)
    if state != "pending":
        raise ValidationError(
            {
                "accepted": _("This invitation was used already: sign in instead."),
                "revoked": _("This invitation was withdrawn; ask for a new one."),
                "expired": _("This invitation has expired; ask the person who invited you for a new one."),
            }[state]
        )
    return invitation


def accept_invitation(*, token: str, now, user=None, password: str = "", request=None):
    """Join with the invitation: as the signed-in `user` (whose e-mail must match), or as a new account
    with `password`. Single use: a second acceptance, even a concurrent one, is refused."""
    user_model = get_user_model()
    with transaction.atomic():
        invitation = find_invitation(token, now=now)
        used = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(accepted_at=now)
        if used != 1:
            raise ValidationError(_("This invitation was used already: sign in instead."))
        if user is None:
            if user_model.objects.filter(email__iexact=invitation.email).exists():
                raise ValidationError(_("You have an ACORN account already: sign in with it to accept."))
            user = user_model(username=unique_username(invitation.email), email=invitation.email)
            user.set_password(password)
            user.save()
        elif (user.email or "").lower() != invitation.email:
            raise PermissionDenied(
                _("This invitation is for %(invited)s; you are signed in as %(signed_in)s.")
                % {"invited": invitation.email, "signed_in": user.email}
            )
        Membership.objects.get_or_create(
            user=user, organization=invitation.organization, defaults={"role": invitation.role}
        )
        person, _created = Person.objects.get_or_create(user=user)
        person.email_verified_at = person.email_verified_at or now  # the link reached the mailbox
        person.current_organization = invitation.organization
        person.save(update_fields=["email_verified_at", "current_organization"])
        Invitation.objects.filter(pk=invitation.pk).update(accepted_by=user)
        record_audit(AuditAction.JOINED, actor=user, request=request, target=invitation, role=invitation.role)
    return user, invitation.organization


def revoke_invitation(*, actor, invitation: Invitation, now, request=None) -> None:
    _require_manager(actor, invitation.organization)
    Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(revoked_at=now)


# -- members --------------------------------------------------------------------------------------


def _admins_left(organization, *, without) -> int:
    return people_of(organization).filter(role=Role.ADMIN, user__is_active=True).exclude(pk=without.pk).count()


def _member(actor, membership: Membership) -> Membership:
    _require_manager(actor, membership.organization)
    if hasattr(membership.user, "api_key"):
        raise PermissionDenied(_("API keys are managed in the developer center, not here."))
    return membership


def change_role(*, actor, membership: Membership, role: str, request=None) -> Membership:
    membership = _member(actor, membership)
    if role not in Role.values:
        raise ValidationError(_("Pick a role."))
    if membership.user_id == actor.pk:
        raise PermissionDenied(_("You cannot change your own role; another admin can."))
    if (
        membership.role == Role.ADMIN
        and role != Role.ADMIN
        and not _admins_left(membership.organization, without=membership)
    ):
        raise ValidationError(_("This is the organization's last admin: make someone else admin first."))
    with transaction.atomic():
        before = membership.role
        membership.role = role
        membership._change_reason = f"Role changed from {before} to {role}"
        membership.save(update_fields=["role"])
        record_audit(
            AuditAction.ROLE_CHANGED,
            actor=actor,
            request=request,
            target=membership,
            user=membership.user.get_username(),
            before=before,
            after=role,
        )
    return membership


def deactivate(*, actor, membership: Membership, reason: str = "", request=None) -> bool:
    """End the person's membership here; if they belong to no other organization their account is
    switched off too (so they cannot sign in at all). Returns whether the account was switched off."""
    membership = _member(actor, membership)
    if membership.role == Role.ADMIN and not _admins_left(membership.organization, without=membership):
        raise ValidationError(_("The organization's last admin cannot be removed: make someone else admin first."))
    user, organization = membership.user, membership.organization
    with transaction.atomic():
        membership._change_reason = reason or "Deactivated"
        membership.delete()
        switched_off = not Membership.objects.filter(user=user).exists() and not user.is_superuser
        if switched_off:
            type(user).objects.filter(pk=user.pk).update(is_active=False)
        Person.objects.filter(user=user, current_organization=organization).update(current_organization=None)
        record_audit(
            AuditAction.MEMBER_DEACTIVATED,
            actor=actor,
            request=request,
            organization=organization,
            user=user.get_username(),
            reason=reason,
            account_switched_off=switched_off,
        )
    return switched_off


def reset_two_factor(*, request, membership: Membership, reason: str) -> int:
    """The audited two-factor reset, with the reason the admin gave (required)."""
    membership = _member(request.user, membership)
    if not reason.strip():
        raise ValidationError(_("Say why (for example: lost phone, confirmed by a call)."))
    removed = two_factor.reset_two_factor(request=request, user=membership.user)
    record_audit(
        AuditAction.TWO_FACTOR,
        request=request,
        organization=membership.organization,
        event="reset_reason",
        user=membership.user.get_username(),
        reason=reason.strip(),
    )
    return removed


# -- the organization in use ----------------------------------------------------------------------


@dataclass
class Choice:
    organization: Organization
    role: str
    current: bool


def organizations_of(user) -> list[Organization]:
    return list(Organization.objects.filter(memberships__user=user).order_by("name"))


def current_organization(request) -> Organization | None:
    """The organization the person is working in: their pick, else their first; None without any."""
    user = request.user
    if not user.is_authenticated:
        return None
    cached = getattr(request, "_acorn_current_org", False)
    if cached is not False:
        return cached
    person = Person.objects.filter(user=user).select_related("current_organization").first()
    chosen = person.current_organization if person else None
    memberships = Membership.objects.filter(user=user)
    if chosen is None or not memberships.filter(organization=chosen).exists():
        first = memberships.select_related("organization").order_by("organization__name").first()
        chosen = first.organization if first else None
    request._acorn_current_org = chosen
    return chosen


def switch_organization(*, user, organization_id: int) -> Organization:
    membership = Membership.objects.filter(user=user, organization_id=organization_id).select_related("organization")
    found = membership.first()
    if found is None:
        raise PermissionDenied(_("You are not a member of that organization."))
    Person.objects.update_or_create(user=user, defaults={"current_organization": found.organization})
    return found.organization
