ALTER TABLE base.spaces ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY spaces_scope ON base.spaces USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE base.facilities ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY facilities_scope ON base.facilities USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE base.map_features ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY map_features_scope ON base.map_features USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
