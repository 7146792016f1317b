-- The public-area situation warehouse is community data under row-level security. Situations are kept (never
-- deleted by the app role: no DELETE grant); their detections are a record of what the devices reported, append-only.
GRANT SELECT, INSERT, UPDATE ON iot.situation_events TO shequ_app;
--> statement-breakpoint
GRANT SELECT, INSERT ON iot.situation_detections TO shequ_app;
--> statement-breakpoint
GRANT USAGE, SELECT ON SEQUENCE iot.situation_detections_seq_seq TO shequ_app;
--> statement-breakpoint
ALTER TABLE iot.situation_events ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY situation_events_scope ON iot.situation_events USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE iot.situation_detections ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY situation_detections_scope ON iot.situation_detections USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
-- The schema's default privileges grant every right on new tables: take back what the comment above promises.
REVOKE DELETE ON iot.situation_events FROM shequ_app;
--> statement-breakpoint
REVOKE UPDATE, DELETE ON iot.situation_detections FROM shequ_app;
