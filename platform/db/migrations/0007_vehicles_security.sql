ALTER TABLE base.vehicles ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY vehicles_scope ON base.vehicles USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
