"""The simulator's answer key, in an app production settings leave out.

`SimulatedTruth` lives here, not in refunds or datasources, on purpose: refunds (where the matcher
lives) never imports the simulator, so the matcher cannot peek at the answers it is graded against,
and a production schema never carries the demo's answer key.
"""

from django.db import models

from acorn_portal.money import CURRENCY_CHOICES, DECIMAL_PLACES, MAX_DIGITS
from acorn_portal.tenancy import TenantQuerySet


class SimulatedTruth(models.Model):
    """The simulator's answer for one deduction it generated: should it be disputed, and for how much.

    Written by `seed_demo` (and benchmarks) next to the simulated documents; read only by tests and
    reports that grade the matcher. `reason` is a short code (e.g. `shortage_received_in_full`).
    """

    account = models.ForeignKey("acorn_portal.VendorAccount", on_delete=models.CASCADE, related_name="+")
    amazon_id = models.CharField("Amazon id", max_length=64)
    is_disputable = models.BooleanField()
    expected_recovery = models.DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    reason = models.CharField(max_length=60)
    note = models.TextField(blank=True, help_text="In words: what the documents show.")
    expected_action = models.CharField(max_length=20, blank=True, help_text="dispute, wait, needs_evidence or accept")
    due_on = models.DateField(null=True, blank=True, help_text="The last day to dispute, marketplace-local.")
    disputable_from = models.DateField(null=True, blank=True, help_text="The first day a dispute is heard.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    tenant_path = "account__organization"
    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "amazon_id"], name="unique_truth_per_account")]
        ordering = ["account", "amazon_id"]
        verbose_name = "simulated truth"
        verbose_name_plural = "simulated truths"

    def __str__(self):
        verdict = "disputable" if self.is_disputable else "valid"
        return f"{self.amazon_id}: {verdict} ({self.reason})"
