-- Earning rules are community data under row-level security, edited in place (with a version) and switched off rather
-- than deleted, so the awards that name them keep their meaning. Awards are appended only.
GRANT SELECT, INSERT, UPDATE ON points.earning_rules TO shequ_app;
--> statement-breakpoint
GRANT SELECT, INSERT ON points.earning_awards TO shequ_app;
--> statement-breakpoint
ALTER TABLE points.earning_rules ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY earning_rules_scope ON points.earning_rules USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE points.earning_awards ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY earning_awards_scope ON points.earning_awards USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
