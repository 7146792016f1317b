-- Messages are community data under row-level security. The inbox and deliveries are updated (read, status) but
-- never deleted: they are the record of what was sent to whom.
GRANT USAGE ON SCHEMA message TO shequ_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON message.templates TO shequ_app;
--> statement-breakpoint
GRANT SELECT, INSERT ON message.broadcasts TO shequ_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON message.inbox, message.deliveries TO shequ_app;
--> statement-breakpoint
ALTER TABLE message.templates ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY templates_scope ON message.templates USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE message.broadcasts ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY broadcasts_scope ON message.broadcasts USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE message.inbox ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY inbox_scope ON message.inbox USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE message.deliveries ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY deliveries_scope ON message.deliveries USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
