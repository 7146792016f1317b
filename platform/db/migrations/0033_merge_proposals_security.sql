-- Merge proposals are community data: row-level security by community. A proposal is never deleted (the decision is
-- the record) and, once decided, never changed again.
REVOKE DELETE ON base.merge_proposals FROM shequ_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON base.merge_proposals TO shequ_app;
--> statement-breakpoint
ALTER TABLE base.merge_proposals ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY merge_proposals_scope ON base.merge_proposals USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
CREATE FUNCTION base.merge_proposals_decided_once() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status <> 'pending' THEN
    RAISE EXCEPTION 'base.merge_proposals: proposal % was already %', OLD.id, OLD.status USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.incoming_cipher <> OLD.incoming_cipher OR NEW.target_id <> OLD.target_id OR NEW.fields <> OLD.fields THEN
    RAISE EXCEPTION 'base.merge_proposals: a proposal''s content cannot change' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER merge_proposals_decided_once BEFORE UPDATE ON base.merge_proposals FOR EACH ROW EXECUTE FUNCTION base.merge_proposals_decided_once();
