-- Open-API request counts are community rows under row-level security, like the nonces beside them. The counter
-- upsert inserts and updates (RETURNING reads), and old windows are pruned.
GRANT SELECT, INSERT, UPDATE, DELETE ON tenancy.api_rate_windows TO shequ_app;
--> statement-breakpoint
ALTER TABLE tenancy.api_rate_windows ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY api_rate_windows_scope ON tenancy.api_rate_windows USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
