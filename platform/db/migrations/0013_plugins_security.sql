-- Plugin installs and records are community data: the unprivileged role sees only its communities' rows.
-- Packages are platform-wide (the same version may run in many communities) and read-only to shequ_app.
GRANT USAGE ON SCHEMA plugin TO shequ_app;
--> statement-breakpoint
GRANT SELECT ON plugin.packages TO shequ_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON plugin.installs, plugin.records TO shequ_app;
--> statement-breakpoint
ALTER TABLE plugin.installs ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY installs_scope ON plugin.installs USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE plugin.records ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY records_scope ON plugin.records USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
