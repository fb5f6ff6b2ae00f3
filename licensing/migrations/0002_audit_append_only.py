"""On PostgreSQL the database itself keeps the audit log append-only: a trigger refuses DELETE, and any UPDATE
except the one Django makes when a user, subscription or product is deleted (its link set to NULL; the text
snapshot stays). Other databases rely on the application, which never updates or deletes audit events."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION licensing_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND NEW.id = OLD.id
       AND NEW.occurred_at = OLD.occurred_at
       AND NEW.actor_label = OLD.actor_label
       AND NEW.action = OLD.action
       AND NEW.source = OLD.source
       AND NEW.subject_user_label = OLD.subject_user_label
       AND NEW.subscription_label = OLD.subscription_label
       AND NEW.product_label = OLD.product_label
       AND NEW.details = OLD.details
       AND (NEW.actor_id IS NULL OR NEW.actor_id = OLD.actor_id)
       AND (NEW.subject_user_id IS NULL OR NEW.subject_user_id = OLD.subject_user_id)
       AND (NEW.subscription_id IS NULL OR NEW.subscription_id = OLD.subscription_id)
       AND (NEW.product_id IS NULL OR NEW.product_id = OLD.product_id)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER licensing_auditevent_append_only
    BEFORE UPDATE OR DELETE ON licensing_auditevent
    FOR EACH ROW EXECUTE FUNCTION licensing_auditevent_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS licensing_auditevent_append_only ON licensing_auditevent;
DROP FUNCTION IF EXISTS licensing_auditevent_append_only();
"""


def on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(sql)  # without parameters, so the '%' of RAISE is not a placeholder

    return run


class Migration(migrations.Migration):
    dependencies = [("licensing", "0001_initial")]

    operations = [migrations.RunPython(on_postgresql(CREATE), on_postgresql(DROP))]
