"""Keys issued before delegation existed become their issuer's delegates (operator keys stay as they are)."""

from django.db import migrations


def link_issuers(apps, schema_editor):
    APIKey = apps.get_model("developer", "APIKey")
    Membership = apps.get_model("acorn_portal", "Membership")
    keys = APIKey.objects.filter(created_by__isnull=False, created_by__is_superuser=False)
    for user_id, organization_id, issuer_id in keys.values_list("user_id", "organization_id", "created_by_id"):
        Membership.objects.filter(user_id=user_id, organization_id=organization_id).update(delegate_of_id=issuer_id)


class Migration(migrations.Migration):
    dependencies = [
        ("developer", "0003_webhooks_and_ledger_export"),
        ("acorn_portal", "0009_membership_delegate_of"),
    ]

    operations = [migrations.RunPython(link_issuers, migrations.RunPython.noop)]
