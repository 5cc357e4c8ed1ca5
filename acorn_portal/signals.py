"""Receivers that keep a user's groups in step with their memberships."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from acorn_portal.models import Membership
from acorn_portal.services.roles import sync_user_groups


@receiver(post_save, sender=Membership, dispatch_uid="membership_saved")
@receiver(post_delete, sender=Membership, dispatch_uid="membership_deleted")
def membership_changed(sender, instance, **kwargs):
    sync_user_groups(instance.user)
