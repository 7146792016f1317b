-- Counted people flow and parking-space occupancy (DB33 6.2.1.1, 6.2.1.2) are community data under row-level
-- security. Flow counts are append-only like the pass records; an occupancy is opened on arrival and closed once on
-- leaving, never deleted.
GRANT SELECT, INSERT ON access.flow_counts TO shequ_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON access.space_occupancies TO shequ_app;
--> statement-breakpoint
CREATE TRIGGER flow_counts_append_only BEFORE UPDATE OR DELETE ON access.flow_counts FOR EACH ROW EXECUTE FUNCTION access.reject_change();
--> statement-breakpoint
ALTER TABLE access.flow_counts ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY flow_counts_scope ON access.flow_counts USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE access.space_occupancies ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY space_occupancies_scope ON access.space_occupancies USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
-- The space belongs to the occupancy's community under the same code (the foreign key alone would accept another
-- community's space) when the occupancy opens; afterwards only its closing fields change, once.
CREATE FUNCTION access.check_space_occupancy() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' AND NEW.space_id IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM access.parking_spaces s
     WHERE s.id = NEW.space_id AND s.community_id = NEW.community_id AND s.code = NEW.space_code) THEN
    RAISE EXCEPTION 'access.space_occupancies: space % is not % in community %', NEW.space_id, NEW.space_code, NEW.community_id USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF TG_OP = 'UPDATE' AND (NEW.community_id <> OLD.community_id OR NEW.space_code <> OLD.space_code
      OR NEW.device_id <> OLD.device_id OR NEW.arrived_at <> OLD.arrived_at OR NEW.arrive_message_id <> OLD.arrive_message_id
      OR OLD.left_at IS NOT NULL) THEN
    RAISE EXCEPTION 'access.space_occupancies: only an open occupancy is closed' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER space_occupancies_links BEFORE INSERT ON access.space_occupancies FOR EACH ROW EXECUTE FUNCTION access.check_space_occupancy();
--> statement-breakpoint
CREATE TRIGGER space_occupancies_close BEFORE UPDATE OF community_id, space_code, device_id, arrived_at, arrive_message_id, left_at, leave_message_id ON access.space_occupancies FOR EACH ROW EXECUTE FUNCTION access.check_space_occupancy();
