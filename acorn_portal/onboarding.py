"""Checklist steps acorn_portal knows: e-mail verified, two-factor, a vendor account, the team invited."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from acorn_portal.checklist import register_step
from acorn_portal.models import Membership, VendorAccount
from acorn_portal.models_people import Invitation, Person
from acorn_portal.services import two_factor


@register_step("verify_email", _("Verify your e-mail"), order=10)
def verify_email(organization, user):
    return Person.objects.filter(user=user, email_verified_at__isnull=False).exists(), ""


@register_step("two_factor", _("Set up two-factor sign-in"), order=20)
def enrol_two_factor(organization, user):
    return two_factor.has_two_factor(user), reverse("two_factor:home")


@register_step("first_account", _("Add your first vendor account"), order=30)
def first_account(organization, user):
    return VendorAccount.objects.filter(organization=organization).exists(), reverse("setup:account-add")


@register_step("invite_team", _("Invite your team"), order=60)
def invite_team(organization, user):
    others = Membership.objects.filter(organization=organization, user__api_key__isnull=True).exclude(user=user)
    invited = Invitation.objects.filter(organization=organization)
    return others.exists() or invited.exists(), reverse("onboarding:people")
