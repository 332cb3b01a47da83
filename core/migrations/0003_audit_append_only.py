"""The audit log is append-only in the database itself, not only in the admin.

UPDATE is refused on every database. DELETE is refused on PostgreSQL; TRUNCATE (what the test
runner uses to empty tables) is not a row-level DELETE, so tests still clean up. SQLite's test
runner empties tables with DELETE, so there only UPDATE is guarded.
"""

from django.db import migrations

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION core_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION, params=None)
        schema_editor.execute(
            "CREATE TRIGGER core_auditevent_no_update_delete BEFORE UPDATE OR DELETE "
            "ON core_auditevent FOR EACH ROW EXECUTE FUNCTION core_auditevent_append_only();"
        )
    elif vendor == "sqlite":
        schema_editor.execute(
            "CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE ON core_auditevent "
            "BEGIN SELECT RAISE(ABORT, 'audit events are append-only (UPDATE refused)'); END;"
        )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            "DROP TRIGGER IF EXISTS core_auditevent_no_update_delete ON core_auditevent;"
        )
        schema_editor.execute("DROP FUNCTION IF EXISTS core_auditevent_append_only();")
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS core_auditevent_no_update;")


class Migration(migrations.Migration):
    dependencies = [("core", "0002_roles")]

    operations = [migrations.RunPython(forwards, backwards)]
