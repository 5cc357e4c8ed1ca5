"""Seed the deduction-type catalogue and each organization's default rules from `refunds/data/`.

Idempotent: the catalogue is upserted by code (so a new research file updates names, sources and
confidence on the next migrate), and an organization's seeded rules are created only when missing,
because once seeded they belong to the organization's managers and a deploy must not undo an edit.
"""

import json
from datetime import date
from functools import cache
from pathlib import Path

from django.db import transaction

from refunds.models import DeductionType, PolicyRule

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@cache
def _load(name: str) -> dict:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def catalogue_entries() -> list[dict]:
    """Catalogue rows with fee, trigger, evidence, sources and confidence taken from the research file."""
    research = _load("deduction_types.json")
    by_type = {t["type"]: t for t in research["chargeback_types"]}
    by_rule = {r["deduction_family"]: r for r in research["dispute_window_rules"]}
    entries = []
    for item in _load("catalogue.json")["types"]:
        found = by_type.get(item.get("research_type")) or by_rule.get(item.get("research_rule")) or {}
        entries.append(
            {
                "code": item["code"],
                "family": item["family"],
                "name": item["name"],
                "category": item.get("category") or found.get("category", ""),
                "subtypes": found.get("subtypes", []),
                "trigger": item.get("trigger") or found.get("trigger") or found.get("clock_starts", ""),
                "fee": found.get("fee", ""),
                "evidence": item.get("evidence") or found.get("evidence") or found.get("notes", ""),
                "region": found.get("region", "") if found.get("region") in ("NA", "EU", "FE") else "",
                "sources": item.get("sources") or found.get("sources", []),
                "confidence": item.get("confidence") or found.get("confidence", ""),
                "aliases": item.get("aliases", []),
                "is_disputable": item.get("is_disputable", True),
            }
        )
    return entries


def seed_catalogue() -> int:
    """Upsert every catalogue entry by code; returns how many rows were created."""
    created = 0
    for entry in catalogue_entries():
        _, was_created = DeductionType.objects.update_or_create(code=entry["code"], defaults=entry)
        created += was_created
    return created


def seed_policy_rules(organization) -> int:
    """Create the default rules an organization lacks; never touches a rule it already has."""
    types = dict(DeductionType.objects.values_list("code", "id"))
    if not types:
        seed_catalogue()
        types = dict(DeductionType.objects.values_list("code", "id"))
    have = set(PolicyRule.objects.filter(organization=organization).values_list("seed_key", flat=True))
    new = [_rule_from_seed(organization, item, types) for item in _load("policy_rules.json")["rules"]]
    new = [rule for rule in new if rule.seed_key not in have]
    with transaction.atomic():
        for rule in new:
            # One save each (not bulk_create) so each seeded rule starts its history; a handful per org.
            rule._change_reason = "Seeded from refunds/data/policy_rules.json"
            rule._skip_recompute = True  # nothing to recompute: seeding precedes any evaluation of these
            rule.save()
    return len(new)


def _rule_from_seed(organization, item: dict, types: dict[str, int]) -> PolicyRule:
    return PolicyRule(
        organization=organization,
        seed_key=item["key"],
        family=item["family"],
        deduction_type_id=types[item["type"]] if item.get("type") else None,
        marketplace=item.get("marketplace", ""),
        region=item.get("region", ""),
        effective_from=date.fromisoformat(item.get("effective_from", "2000-01-01")),
        effective_to=date.fromisoformat(item["effective_to"]) if item.get("effective_to") else None,
        window_days=item["window_days"],
        window_anchor=item["window_anchor"],
        blackout_days=item.get("blackout_days", 0),
        blackout_anchor=item.get("blackout_anchor", ""),
        max_dispute_rounds=item.get("max_dispute_rounds"),
        required_evidence=item.get("required_evidence", []),
        note=item.get("note", ""),
        sources=item.get("sources", []),
        confidence=item.get("confidence", ""),
    )


def seed_all(sender=None, **kwargs) -> None:
    """post_migrate receiver: the catalogue, then the default rules of every organization lacking them."""
    from acorn_portal.models import Organization

    seed_catalogue()
    for organization in Organization.objects.all():
        seed_policy_rules(organization)
