-- Row-level security, the unprivileged role that scoped transactions run as, and the append-only audit log.
-- Superusers bypass RLS, so scoped work switches to shequ_app with SET LOCAL ROLE (see platform/db/src/scope.ts).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shequ_app') THEN
    CREATE ROLE shequ_app NOLOGIN;
  END IF;
END
$$;
--> statement-breakpoint
GRANT shequ_app TO CURRENT_USER;
--> statement-breakpoint
GRANT USAGE ON SCHEMA tenancy, identity, bus TO shequ_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA tenancy, identity, bus TO shequ_app;
--> statement-breakpoint
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA tenancy, identity, bus TO shequ_app;
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA tenancy, identity, bus GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO shequ_app;
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA tenancy, identity, bus GRANT USAGE, SELECT ON SEQUENCES TO shequ_app;
--> statement-breakpoint
-- The audit schema is insert/select only, for everyone but the owner; the triggers below stop the owner too.
GRANT USAGE ON SCHEMA audit TO shequ_app;
--> statement-breakpoint
GRANT SELECT, INSERT ON audit.log TO shequ_app;
--> statement-breakpoint
GRANT USAGE, SELECT ON SEQUENCE audit.log_seq_seq TO shequ_app;
--> statement-breakpoint
CREATE FUNCTION shequ_in_scope(community uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT coalesce(current_setting('shequ.scope_all', true), '') = 'on'
      OR community::text = ANY (string_to_array(coalesce(current_setting('shequ.community_ids', true), ''), ','))
$$;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION shequ_in_scope(uuid) TO shequ_app;
--> statement-breakpoint
ALTER TABLE tenancy.compounds ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY compounds_scope ON tenancy.compounds USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE bus.outbox ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY outbox_scope ON bus.outbox USING (community_id IS NULL OR shequ_in_scope(community_id)) WITH CHECK (community_id IS NULL OR shequ_in_scope(community_id));
--> statement-breakpoint
CREATE FUNCTION audit.reject_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit.log is append-only: % rejected', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
--> statement-breakpoint
CREATE TRIGGER log_no_update BEFORE UPDATE OR DELETE ON audit.log FOR EACH ROW EXECUTE FUNCTION audit.reject_change();
--> statement-breakpoint
CREATE TRIGGER log_no_truncate BEFORE TRUNCATE ON audit.log FOR EACH STATEMENT EXECUTE FUNCTION audit.reject_change();
