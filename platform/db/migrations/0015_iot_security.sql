-- Row-level security for the IoT engine; shequ_app gets the same rights as on the other business schemas.
-- The gateway works platform-wide (it authenticates devices of every community); console and API work is scoped.
GRANT USAGE ON SCHEMA iot TO shequ_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA iot TO shequ_app;
--> statement-breakpoint
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA iot TO shequ_app;
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA iot GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO shequ_app;
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA iot GRANT USAGE, SELECT ON SEQUENCES TO shequ_app;
--> statement-breakpoint
ALTER TABLE iot.products ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY products_scope ON iot.products USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE iot.devices ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY devices_scope ON iot.devices USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE iot.device_properties ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY device_properties_scope ON iot.device_properties USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE iot.shadows ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY shadows_scope ON iot.shadows USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE iot.telemetry ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY telemetry_scope ON iot.telemetry USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE iot.device_sessions ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY device_sessions_scope ON iot.device_sessions USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE iot.mqtt_accounts ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY mqtt_accounts_scope ON iot.mqtt_accounts USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
