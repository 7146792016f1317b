-- The IoT warehouse's records are community data under row-level security. Facts are append-only (each is one device
-- event as received); parcels are updated by their pairing (a pickup closes a deposit) and never deleted. Neither is
-- pruned with raw telemetry.
-- The schema's default privileges (0015) would give shequ_app every right: narrow them.
REVOKE UPDATE, DELETE ON iot.warehouse_facts FROM shequ_app;
--> statement-breakpoint
REVOKE DELETE ON iot.parcels FROM shequ_app;
--> statement-breakpoint
GRANT SELECT, INSERT ON iot.warehouse_facts TO shequ_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON iot.parcels TO shequ_app;
--> statement-breakpoint
ALTER TABLE iot.warehouse_facts ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY warehouse_facts_scope ON iot.warehouse_facts USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE iot.parcels ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY parcels_scope ON iot.parcels USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
