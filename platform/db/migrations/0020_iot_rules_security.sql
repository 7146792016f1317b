-- Row-level security for the rule engine's tables (granted to shequ_app by 0015's default privileges, repeated here
-- so the grant holds whatever order tables were created in).
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA iot TO shequ_app;
--> statement-breakpoint
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA iot TO shequ_app;
--> statement-breakpoint
ALTER TABLE iot.rules ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY rules_scope ON iot.rules USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE iot.rule_firings ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY rule_firings_scope ON iot.rule_firings USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE iot.rule_metrics ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY rule_metrics_scope ON iot.rule_metrics USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE iot.rule_traces ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY rule_traces_scope ON iot.rule_traces USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE iot.rule_records ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY rule_records_scope ON iot.rule_records USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE iot.alarms ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY alarms_scope ON iot.alarms USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE iot.rule_dead_letters ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY rule_dead_letters_scope ON iot.rule_dead_letters USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE iot.device_tags ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY device_tags_scope ON iot.device_tags USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
