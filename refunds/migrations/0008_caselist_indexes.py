"""The case list's indexes at a million deductions, built without locking the table.

On PostgreSQL every index is created and dropped CONCURRENTLY (so the migration is not atomic):
sync and people keep writing while it runs. Django's own AlterField would also drop and re-validate
the foreign key of a field whose index goes, holding a lock while it reads every row; here only the
index goes. SQLite has no such locks and takes Django's plain operations. Why each index:
docs/decisions/0301-case-list-indexes.md.
"""

import django.db.models.deletion
import django_fsm
from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


def _postgresql(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


class AddIndexWithoutLocking(AddIndexConcurrently):
    """CREATE INDEX CONCURRENTLY on PostgreSQL, a plain CREATE INDEX elsewhere."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if _postgresql(schema_editor):
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if _postgresql(schema_editor):
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class RemoveIndexWithoutLocking(RemoveIndexConcurrently):
    """DROP INDEX CONCURRENTLY on PostgreSQL, a plain DROP INDEX elsewhere."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if _postgresql(schema_editor):
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return migrations.RemoveIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if _postgresql(schema_editor):
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return migrations.RemoveIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class DropFieldIndexWithoutLocking(migrations.AlterField):
    """An AlterField that only turns a field's `db_index` off.

    On PostgreSQL the field's own indexes (with the `_like` one of a text column) go with DROP INDEX
    CONCURRENTLY and the foreign key stays as it is; elsewhere, and backwards, as Django does it.
    """

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if not _postgresql(schema_editor):
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        model = from_state.apps.get_model(app_label, self.model_name)
        column = model._meta.get_field(self.name).column
        for name in schema_editor._constraint_names(model, [column], index=True, unique=False, primary_key=False):
            schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {schema_editor.quote_name(name)}")

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        # AlterField runs backwards as its forwards with the states swapped: Django's own, not ours.
        migrations.AlterField.database_forwards(self, app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    atomic = False  # CREATE/DROP INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("acorn_portal", "0006_trim_write_indexes"),
        ("refunds", "0007_vc_real_shapes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # New indexes first, so nothing that reads the old ones goes without while this runs.
        AddIndexWithoutLocking(
            model_name="chargeback",
            index=models.Index(fields=["assignee", "state", "id"], name="refunds_cb_assignee_state_id"),
        ),
        AddIndexWithoutLocking(
            model_name="chargeback",
            index=models.Index(fields=["due_on", "id"], name="refunds_cb_due_on_id"),
        ),
        AddIndexWithoutLocking(
            model_name="chargeback",
            index=models.Index(fields=["amount", "id"], name="refunds_cb_amount_id"),
        ),
        AddIndexWithoutLocking(
            model_name="chargeback",
            index=models.Index(fields=["amazon_id"], name="refunds_cb_amazon_id"),
        ),
        AddIndexWithoutLocking(
            model_name="chargeback",
            index=models.Index(
                condition=models.Q(("amazon_dispute_id", ""), _negated=True),
                fields=["amazon_dispute_id"],
                name="refunds_cb_dispute_id",
            ),
        ),
        AddIndexWithoutLocking(
            model_name="chargeback",
            index=models.Index(
                condition=models.Q(("filed_case_id", ""), _negated=True),
                fields=["filed_case_id"],
                name="refunds_cb_filed_case_id",
            ),
        ),
        RemoveIndexWithoutLocking(
            model_name="chargeback",
            name="refunds_cha_assigne_bcba57_idx",
        ),
        DropFieldIndexWithoutLocking(
            model_name="chargeback",
            name="account",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.PROTECT, to="acorn_portal.vendoraccount"
            ),
        ),
        DropFieldIndexWithoutLocking(
            model_name="chargeback",
            name="assignee",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="assigned_chargebacks",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        DropFieldIndexWithoutLocking(
            model_name="chargeback",
            name="state",
            field=django_fsm.FSMField(
                choices=[
                    ("new", "New"),
                    ("waiting", "Waiting (not yet disputable)"),
                    ("in_review", "In review"),
                    ("pending_approval", "Pending approval"),
                    ("approved", "Approved for dispute"),
                    ("disputed", "Disputed with Amazon"),
                    ("amazon_approved", "Approved by Amazon (awaiting credit)"),
                    ("denied", "Denied by Amazon"),
                    ("settlement", "In settlement"),
                    ("recovered", "Recovered"),
                    ("written_off", "Written off"),
                    ("accepted", "Accepted (valid deduction)"),
                    ("expired", "Expired"),
                ],
                default="new",
                max_length=50,
                protected=True,
            ),
        ),
    ]
