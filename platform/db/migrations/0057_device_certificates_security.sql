-- Device certificates are community data like the devices they belong to; the gateway looks them up platform-wide
-- with the connecting role, the console and API in the community's scope.
GRANT SELECT, INSERT, UPDATE, DELETE ON iot.device_certificates TO shequ_app;
--> statement-breakpoint
ALTER TABLE iot.device_certificates ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY device_certificates_scope ON iot.device_certificates USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
