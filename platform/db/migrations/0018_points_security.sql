-- The ledger is community data under row-level security. Transfers and entries are append-only for everyone:
-- a correction is a reversing transfer, never an edit.
GRANT USAGE ON SCHEMA points TO shequ_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON points.accounts TO shequ_app;
--> statement-breakpoint
GRANT SELECT, INSERT ON points.transfers, points.entries TO shequ_app;
--> statement-breakpoint
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA points TO shequ_app;
--> statement-breakpoint
ALTER TABLE points.accounts ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY accounts_scope ON points.accounts USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE points.transfers ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY transfers_scope ON points.transfers USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE points.entries ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY entries_scope ON points.entries USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
CREATE FUNCTION points.reject_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'points.% is append-only: % rejected', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER transfers_append_only BEFORE UPDATE OR DELETE ON points.transfers FOR EACH ROW EXECUTE FUNCTION points.reject_change();
--> statement-breakpoint
CREATE TRIGGER entries_append_only BEFORE UPDATE OR DELETE ON points.entries FOR EACH ROW EXECUTE FUNCTION points.reject_change();
