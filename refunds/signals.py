"""Receivers of the refunds app: seed rules for new organizations, re-judge cases when a rule or an
agreement changes."""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from acorn_portal.models import Organization
from refunds.models import Chargeback, CoopAgreement, PolicyRule
from refunds.models.chargebacks import stats_snapshot
from refunds.services.policy import schedule_organization_recompute, schedule_rule_recompute
from refunds.services.policy_seed import seed_policy_rules


@receiver(pre_save, sender=Organization, dispatch_uid="refunds_org_remember_buffer")
def remember_buffer(sender, instance, raw=False, **kwargs):
    if instance.pk and not raw:
        previous = Organization.objects.filter(pk=instance.pk).values_list("deadline_buffer_business_days", flat=True)
        instance._previous_buffer = previous.first()


@receiver(post_save, sender=Organization, dispatch_uid="refunds_seed_new_organization")
def organization_saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    if created:
        seed_policy_rules(instance)
        return
    previous = getattr(instance, "_previous_buffer", None)
    if previous is not None and previous != instance.deadline_buffer_business_days:
        # Every open case's internal target moves with the buffer.
        schedule_organization_recompute(
            instance.pk, f"buffer {previous} → {instance.deadline_buffer_business_days} business days"
        )


@receiver(pre_save, sender=PolicyRule, dispatch_uid="refunds_rule_remember_family")
def remember_family(sender, instance, raw=False, **kwargs):
    # A rule moved to another family stops governing its old cases: those need re-timing too.
    if instance.pk and not raw:
        instance._previous_family = PolicyRule.objects.filter(pk=instance.pk).values_list("family", flat=True).first()


@receiver(post_save, sender=PolicyRule, dispatch_uid="refunds_rule_saved")
@receiver(post_delete, sender=PolicyRule, dispatch_uid="refunds_rule_deleted")
def rule_changed(sender, instance, raw=False, **kwargs):
    if raw or getattr(instance, "_skip_recompute", False):
        return
    families = {instance.family, getattr(instance, "_previous_family", None)} - {None}
    schedule_rule_recompute(instance.pk, instance.organization_id, families)


@receiver(post_save, sender=CoopAgreement, dispatch_uid="refunds_agreement_saved")
@receiver(post_delete, sender=CoopAgreement, dispatch_uid="refunds_agreement_deleted")
def agreement_changed(sender, instance, raw=False, **kwargs):
    """A co-op agreement decides its account's co-op verdicts: they are redone after commit."""
    if raw:
        return
    from refunds.services.matching import schedule_for_agreements

    schedule_for_agreements([instance.account_id], cause=f"co-op agreement {instance.agreement_id} changed")


@receiver(post_delete, sender=Chargeback, dispatch_uid="refunds_chargeback_deleted_stats")
def chargeback_deleted(sender, instance, **kwargs):
    """A deleted case (queryset deletes too: Django sends this per row) leaves the dashboard rollups."""
    from refunds.services.stats import apply_changes

    loaded = getattr(instance, "_stats_loaded", None)
    apply_changes([loaded if loaded is not None else stats_snapshot(instance)], [])
