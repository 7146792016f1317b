-- Row-level security for the base warehouse; shequ_app gets the same rights as on the other business schemas.
GRANT USAGE ON SCHEMA base TO shequ_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA base TO shequ_app;
--> statement-breakpoint
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA base TO shequ_app;
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA base GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO shequ_app;
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA base GRANT USAGE, SELECT ON SEQUENCES TO shequ_app;
--> statement-breakpoint
ALTER TABLE base.people ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY people_scope ON base.people USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE base.houses ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY houses_scope ON base.houses USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE base.occupancies ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY occupancies_scope ON base.occupancies USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE base.changes ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY changes_scope ON base.changes USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE base.import_batches ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY import_batches_scope ON base.import_batches USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
