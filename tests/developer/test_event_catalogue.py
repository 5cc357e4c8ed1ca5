"""The event catalogue (developer.choices.WebhookEventType) is complete: every name the code emits is in
it (so it can be subscribed to), and developer/WEBHOOKS.md documents each one."""

import ast
import re
from pathlib import Path

from developer.choices import WebhookEventType

ROOT = Path(__file__).resolve().parents[2]
EVENT_NAME = re.compile(r"^(chargeback|sync|import)\.[a-z_]+$")


def emitted_names() -> set[str]:
    """String constants shaped like event names in the apps that write the outbox."""
    names = set()
    for app in ("refunds", "datasources", "acorn_portal", "developer"):
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and EVENT_NAME.match(node.value):
                    names.add(node.value)
    return names


def test_every_emitted_event_is_in_the_catalogue_and_subscribable():
    emitted = emitted_names()
    assert {"chargeback.assigned", "chargeback.evidence_added", "chargeback.amazon_approved"} <= emitted
    assert emitted - set(WebhookEventType.values) == set()


def test_the_webhook_guide_documents_every_event():
    guide = (ROOT / "developer" / "WEBHOOKS.md").read_text()
    documented = set(re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \|", guide, flags=re.MULTILINE))
    assert documented == set(WebhookEventType.values)


def test_test_events_are_documented_and_never_subscribable():
    from developer.choices import TestEventType

    guide = (ROOT / "developer" / "WEBHOOKS.md").read_text()
    for name in TestEventType.values:
        assert f"type `{name}`" in guide and name not in WebhookEventType.values
