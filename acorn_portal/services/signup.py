"""Sign-up of a new organization: the request, the e-mail that verifies it, and what verifying creates.

    request_sign_up(email=..., company_name=..., contact_name=..., password=..., now=...)
    complete_sign_up(token=..., now=...)  -> the new organization's first admin

Nothing but the request exists until the link in the e-mail is followed: then, in one transaction,
the organization (created by acorn_portal.services.organizations, the path `manage.py
create_organization` takes too), the user, their admin membership and their verified e-mail. The
first admin is then sent through two-factor enrolment by the two-factor middleware (admins must have it).
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from acorn_portal.formatting import local_date
from acorn_portal.models import AuditAction, Membership, Organization
from acorn_portal.models_people import Person, SignUpRequest, token_digest
from acorn_portal.roles import Role
from acorn_portal.services.audit import record_audit
from acorn_portal.services.organizations import create_organization

# Free mailboxes are not a company: sign-up asks for the address people use at work.
FREE_MAIL_DOMAINS = frozenset(
    [
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "mail.com",
        "proton.me",
        "protonmail.com",
        "yandex.ru",
        "qq.com",
        "163.com",
    ]
)


def signup_open() -> bool:
    return bool(getattr(settings, "ACORN_SIGNUP_OPEN", False))


def check_company_email(email: str) -> str:
    """The address, lower-cased; ValidationError when it is a free mailbox or already has an account."""
    email = (email or "").strip().lower()
    domain = email.rpartition("@")[2]
    if domain in FREE_MAIL_DOMAINS:
        raise ValidationError(_("Use your company e-mail address, not a %(domain)s mailbox.") % {"domain": domain})
    if get_user_model().objects.filter(email__iexact=email).exists():
        raise ValidationError(_("An account with this e-mail exists already: sign in, or reset your password."))
    return email


def request_sign_up(*, email, company_name, contact_name, password, now, phone="", request=None) -> SignUpRequest:
    """Record the request and send the verification link; the password is kept only as a hash."""
    if not signup_open():
        raise PermissionDenied(_("Sign-up is closed on this ACORN; ask its administrator for an organization."))
    email = check_company_email(email)
    token = secrets.token_urlsafe(32)
    signup = SignUpRequest.objects.create(
        email=email,
        company_name=company_name.strip(),
        contact_name=contact_name.strip(),
        phone=phone.strip(),
        password_hash=make_password(password),
        token_digest=token_digest(token),
        created_at=now,
        expires_at=now + timedelta(hours=settings.ACORN_SIGNUP_LINK_HOURS),
    )
    link = absolute_url(reverse("onboarding:verify-email", args=[token]), request)
    # Written in the language of the page they signed up on (theirs: the browser asked for it).
    values = {
        "name": signup.contact_name,
        "company": signup.company_name,
        "link": link,
        "until": f"{local_date(signup.expires_at.date())} {signup.expires_at:%H:%M} UTC",
    }
    send_mail(
        subject=gettext("Verify your e-mail to start using ACORN"),
        message=(
            gettext("Hello %(name)s,") % values
            + "\n\n"
            + gettext(
                "someone (we hope you) asked for an ACORN organization for %(company)s. Follow this link to "
                "verify your e-mail and create it:"
            )
            % values
            + f"\n\n{link}\n\n"
            + gettext("The link works once, until %(until)s. If it was not you, ignore this mail.") % values
        ),
        from_email=None,
        recipient_list=[email],
    )
    return signup


@dataclass
class SignUpResult:
    user: object
    organization: Organization


def complete_sign_up(*, token: str, now) -> SignUpResult:
    """Verify the e-mail and create the organization with its first admin. ValidationError for a bad link."""
    with transaction.atomic():
        signup = SignUpRequest.objects.select_for_update().filter(token_digest=token_digest(token)).first()
        if signup is None:
            raise ValidationError(_("This verification link is not valid. Copy the whole link from the e-mail."))
        if signup.verified_at is not None:
            raise ValidationError(_("This link was used already: sign in with your e-mail and password."))
        if signup.expires_at <= now:
            raise ValidationError(_("This link has expired: sign up again to get a new one."))
        user_model = get_user_model()
        if user_model.objects.filter(email__iexact=signup.email).exists():
            raise ValidationError(_("An account with this e-mail exists already: sign in, or reset your password."))
        organization = create_organization(name=signup.company_name)
        first, _sep, last = signup.contact_name.partition(" ")
        user = user_model(username=unique_username(signup.email), email=signup.email, first_name=first[:150])
        user.last_name = last[:150]
        user.password = signup.password_hash
        user.save()
        Membership.objects.create(user=user, organization=organization, role=Role.ADMIN)
        Person.objects.create(user=user, email_verified_at=now, current_organization=organization)
        signup.verified_at = now
        signup.organization = organization
        signup.save(update_fields=["verified_at", "organization"])
        record_audit(
            AuditAction.SIGNED_UP, actor=user, organization=organization, company=organization.name, email=user.email
        )
    return SignUpResult(user=user, organization=organization)


def unique_username(email: str) -> str:
    """People sign in with their e-mail address as username; a clash (rare) gets a number."""
    user_model = get_user_model()
    base = email.lower()[:140]
    username, n = base, 1
    while user_model.objects.filter(username__iexact=username).exists():
        n += 1
        username = f"{base}-{n}"
    return username


def absolute_url(path: str, request=None) -> str:
    if request is not None:
        return request.build_absolute_uri(path)
    return settings.PUBLIC_URL + path
