-- Active users per day are written by the metrics flush (platform scope) and read per community in scope.
GRANT SELECT, INSERT, DELETE ON plugin.active_users TO shequ_app;
--> statement-breakpoint
ALTER TABLE plugin.active_users ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY active_users_scope ON plugin.active_users USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
