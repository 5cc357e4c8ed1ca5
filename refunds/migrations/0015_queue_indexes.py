"""The start page's queues read their first page off partial indexes, built without locking the table.

Each index holds only the states of one queue, in the queue's order continued by id in the same
direction; sync inserts deductions as 'new' with no recommendation, which none of them holds. On
PostgreSQL they are created CONCURRENTLY (so the migration is not atomic); SQLite takes Django's
plain operation. Why: docs/decisions/0305-queue-indexes.md.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class AddIndexWithoutLocking(AddIndexConcurrently):
    """CREATE INDEX CONCURRENTLY on PostgreSQL, a plain CREATE INDEX elsewhere."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("refunds", "0014_saved_views"),
    ]

    operations = [
        AddIndexWithoutLocking(
            model_name="chargeback",
            index=models.Index(
                condition=models.Q(("state", "disputed")), fields=["filed_on", "id"], name="refunds_cb_q_amazon"
            ),
        ),
        AddIndexWithoutLocking(
            model_name="chargeback",
            index=models.Index(
                condition=models.Q(("state", "amazon_approved")), fields=["decided_at", "id"], name="refunds_cb_q_unpaid"
            ),
        ),
        AddIndexWithoutLocking(
            model_name="chargeback",
            index=models.Index(
                condition=models.Q(("state__in", ["accepted", "amazon_approved", "denied", "recovered", "written_off"])),
                fields=["decided_at", "id"],
                name="refunds_cb_q_decided",
            ),
        ),
        AddIndexWithoutLocking(
            model_name="chargeback",
            index=models.Index(
                condition=models.Q(("recommendation", "dispute"), ("state__in", ["in_review", "new"])),
                fields=["due_on", "id"],
                name="refunds_cb_q_ready",
            ),
        ),
        AddIndexWithoutLocking(
            model_name="chargeback",
            index=models.Index(
                condition=models.Q(("recommendation", "needs_evidence"), ("state__in", ["in_review", "new"])),
                fields=["due_on", "id"],
                name="refunds_cb_q_evidence",
            ),
        ),
    ]
