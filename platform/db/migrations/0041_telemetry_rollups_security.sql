-- Roll-ups are community data like the telemetry they summarise.
GRANT SELECT, INSERT, UPDATE, DELETE ON iot.telemetry_rollups TO shequ_app;
--> statement-breakpoint
ALTER TABLE iot.telemetry_rollups ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY telemetry_rollups_scope ON iot.telemetry_rollups USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
-- Retention prunes raw telemetry by time: an index on time alone keeps that a range scan.
CREATE INDEX IF NOT EXISTS telemetry_time_idx ON iot.telemetry ("time");
