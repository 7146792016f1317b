-- The consent ledger is community data under row-level security like the rest of the base warehouse.
ALTER TABLE base.consents ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY consents_scope ON base.consents USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
