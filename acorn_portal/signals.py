"""Receivers: a user's groups follow their memberships; sign-in events go to the audit trail."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from acorn_portal.models import AuditAction, Membership
from acorn_portal.services.lockout import audit_for_username
from acorn_portal.services.roles import sync_user_groups


@receiver(post_save, sender=Membership, dispatch_uid="membership_saved")
@receiver(post_delete, sender=Membership, dispatch_uid="membership_deleted")
def membership_changed(sender, instance, **kwargs):
    sync_user_groups(instance.user)


# --------------------------------------------------------------------------------------------------
# Sign-ins, failed sign-ins, sign-outs and lockouts go to the audit trail (one row per organization
# the person belongs to, so each organization's admins see their own people).


@receiver(user_logged_in, dispatch_uid="audit_login")
def audit_login(sender, request, user, **kwargs):
    audit_for_username(AuditAction.LOGIN, request=request, username=user.get_username(), actor=user)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_for_username(AuditAction.LOGOUT, request=request, username=user.get_username(), actor=user)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def audit_login_failed(sender, credentials, request=None, **kwargs):
    # `credentials` has the password masked by Django; only the username is kept. Axes's receiver
    # ran first (it is installed before us) and flagged the request if this failure locks it out.
    username = str(credentials.get("username") or "")[:150]
    locked = bool(getattr(request, "axes_locked_out", False))
    audit_for_username(AuditAction.LOGIN_FAILED, request=request, username=username, locked_out=locked)
