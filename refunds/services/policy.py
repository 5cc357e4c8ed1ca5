"""Which catalogue entry and which policy rule govern a deduction.

Both are looked up in memory for a whole batch: the catalogue is a few dozen rows and an
organization has a few dozen rules, so loading them once beats a query per deduction.
"""

from collections import defaultdict
from datetime import date

from refunds.models import DeductionType, PolicyRule


class TypeCatalogue:
    """Maps a chargeback's `deduction_type` code, or any alias of it, to its catalogue entry."""

    def __init__(self, types=None):
        self.by_code: dict[str, DeductionType] = {}
        for entry in types if types is not None else DeductionType.objects.all():
            for code in [entry.code, *entry.aliases]:
                self.by_code.setdefault(_key(code), entry)

    def get(self, code: str) -> DeductionType | None:
        return self.by_code.get(_key(code))


def _key(code: str) -> str:
    return (code or "").strip().lower().replace("-", "_").replace(" ", "_")


class RuleBook:
    """The rules of some organizations, indexed for `rule_for` (the most specific rule in force wins)."""

    def __init__(self, organization_ids):
        self.rules: dict[tuple[int, str], list[PolicyRule]] = defaultdict(list)
        for rule in PolicyRule.objects.filter(organization_id__in=set(organization_ids)):
            self.rules[(rule.organization_id, rule.family)].append(rule)
        self._chosen: dict[tuple, PolicyRule | None] = {}

    def rule_for(
        self, *, organization_id: int, family: str, type_id: int | None, marketplace: str, region: str, day: date
    ) -> PolicyRule | None:
        key = (organization_id, family, type_id, marketplace, region, day)
        if key not in self._chosen:  # a batch asks the same question thousands of times
            self._chosen[key] = self._choose(organization_id, family, type_id, marketplace, region, day)
        return self._chosen[key]

    def _choose(self, organization_id, family, type_id, marketplace, region, day) -> PolicyRule | None:
        candidates = [
            rule
            for rule in self.rules.get((organization_id, family), ())
            if rule.applies_to(family=family, type_id=type_id, marketplace=marketplace, region=region, day=day)
        ]
        if not candidates:
            return None
        # Most specific first; between equals the most recently started version, then the newest row.
        return max(candidates, key=lambda r: (r.specificity(), r.effective_from, r.pk or 0))


def open_chargebacks(queryset):
    """Deductions still being worked (the workflow's `.open()`), the ones a rule change must re-time."""
    return queryset.open()


def governed_chargeback_ids(organization_id: int, families) -> list[int]:
    """Open deductions of an organization in the families a rule covered before or after a change."""
    from refunds.models import Chargeback

    qs = Chargeback.objects.filter(account__organization_id=organization_id, family__in=set(families))
    return list(open_chargebacks(qs).values_list("id", flat=True))


def schedule_rule_recompute(rule_id: int, organization_id: int, families) -> None:
    """After the rule's transaction commits, re-time the open cases it may govern (in a task)."""
    from functools import partial

    from django.db import transaction
    from django_q.tasks import async_task

    transaction.on_commit(
        partial(async_task, "refunds.tasks.recompute_for_rule", rule_id, organization_id, sorted(set(families)))
    )


def schedule_organization_recompute(organization_id: int, cause: str) -> None:
    """After commit, re-time every open case of an organization (its deadline buffer changed)."""
    from functools import partial

    from django.db import transaction
    from django_q.tasks import async_task

    transaction.on_commit(partial(async_task, "refunds.tasks.recompute_for_organization", organization_id, cause))
