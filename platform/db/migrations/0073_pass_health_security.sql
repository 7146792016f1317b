-- Gate temperatures (DB33 7.2.2.2.1 防疫信息) are individual health data: community data under row-level security,
-- append-only like the pass records they belong to. Only the health-permission paths of the access service join
-- this table; the pass-record reads never do.
GRANT SELECT, INSERT ON access.pass_health TO shequ_app;
--> statement-breakpoint
CREATE TRIGGER pass_health_append_only BEFORE UPDATE OR DELETE ON access.pass_health FOR EACH ROW EXECUTE FUNCTION access.reject_change();
--> statement-breakpoint
ALTER TABLE access.pass_health ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY pass_health_scope ON access.pass_health USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
-- The reading belongs to a pass of its own community at the pass's time (the foreign key alone would accept another
-- community's record).
CREATE FUNCTION access.check_pass_health() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM access.pass_records r
     WHERE r.id = NEW.pass_record_id AND r.community_id = NEW.community_id AND r.passed_at = NEW.passed_at) THEN
    RAISE EXCEPTION 'access.pass_health: pass % is not in community % at %', NEW.pass_record_id, NEW.community_id, NEW.passed_at USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER pass_health_links BEFORE INSERT ON access.pass_health FOR EACH ROW EXECUTE FUNCTION access.check_pass_health();
