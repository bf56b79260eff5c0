"""The audit log is append-only in the database itself: a trigger refuses every UPDATE and
DELETE of `moderation_auditentry`, whoever connects and however (ORM, admin, psql).

The one exception is the retention purge (moderation.audit.audit_purge_expired): it sets
the transaction-local `kindred.audit_purge_before` to its cutoff and may then delete
entries created before it, nothing else. TRUNCATE (test database flushes) fires no
row triggers.
"""

from django.db import migrations

CREATE = """
CREATE FUNCTION moderation_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND coalesce(current_setting('kindred.audit_purge_before', true), '') <> ''
       AND OLD.created_at < current_setting('kindred.audit_purge_before', true)::timestamptz
    THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'moderation_auditentry is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER moderation_audit_append_only
BEFORE UPDATE OR DELETE ON moderation_auditentry
FOR EACH ROW EXECUTE FUNCTION moderation_audit_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS moderation_audit_append_only ON moderation_auditentry;
DROP FUNCTION IF EXISTS moderation_audit_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("moderation", "0002_reports_sanctions_audit")]

    operations = [migrations.RunSQL(CREATE, DROP)]
