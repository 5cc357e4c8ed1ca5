"""Indexes the API's keyset pagination walks: (account, issue_date, id) and (issue_date, id) on deductions.

The chargeback list orders by issue date with the id as tie-breaker; without the id in the index,
PostgreSQL reads every deduction of the newest dates (a thousand on a busy day) to sort them by id
before it can return the first 50. Created here, by the API that needs them, as plain SQL on
refunds' table so refunds' own migration history stays as it is.
"""

from django.db import migrations

INDEXES = {
    "developer_cb_account_issue_id": "account_id, issue_date, id",
    "developer_cb_issue_id": "issue_date, id",
}


class Migration(migrations.Migration):
    dependencies = [
        ("developer", "0001_api_keys_and_idempotency"),
        ("refunds", "0003_merge_0002_policy_rules_and_assessments_0002_workflow"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {name} ON refunds_chargeback ({columns})",
            reverse_sql=f"DROP INDEX IF EXISTS {name}",
        )
        for name, columns in INDEXES.items()
    ]
