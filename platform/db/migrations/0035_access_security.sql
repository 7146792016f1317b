-- Access data is community data under row-level security. Pass records are append-only for everyone (a record of
-- who passed a gate is evidence); one open parking session per plate is the partial unique index of 0032.
GRANT USAGE ON SCHEMA access TO shequ_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON access.person_refs, access.parking_spaces, access.fee_rules TO shequ_app;
--> statement-breakpoint
-- Visitor passes and parking sessions are never deleted: a revoked pass or a settled session stays on record.
GRANT SELECT, INSERT, UPDATE ON access.visitor_passes, access.parking_sessions TO shequ_app;
--> statement-breakpoint
GRANT SELECT, INSERT ON access.pass_records TO shequ_app;
--> statement-breakpoint
CREATE FUNCTION access.reject_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'access.% is append-only: % rejected', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER pass_records_append_only BEFORE UPDATE OR DELETE ON access.pass_records FOR EACH ROW EXECUTE FUNCTION access.reject_change();
--> statement-breakpoint
ALTER TABLE access.person_refs ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY person_refs_scope ON access.person_refs USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE access.visitor_passes ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY visitor_passes_scope ON access.visitor_passes USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE access.pass_records ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY pass_records_scope ON access.pass_records USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE access.parking_spaces ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY parking_spaces_scope ON access.parking_spaces USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE access.fee_rules ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY fee_rules_scope ON access.fee_rules USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE access.parking_sessions ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY parking_sessions_scope ON access.parking_sessions USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
-- A linked person, vehicle or house belongs to the row's community (RLS hides other communities' rows, but a
-- foreign key alone would accept their ids).
CREATE FUNCTION access.check_links() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  j jsonb := to_jsonb(NEW);
BEGIN
  IF j ? 'person_id' AND j->>'person_id' IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM base.people p WHERE p.id = (j->>'person_id')::uuid AND p.community_id = NEW.community_id) THEN
    RAISE EXCEPTION 'access.%: person % is not in community %', TG_TABLE_NAME, j->>'person_id', NEW.community_id USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF j ? 'vehicle_id' AND j->>'vehicle_id' IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM base.vehicles v WHERE v.id = (j->>'vehicle_id')::uuid AND v.community_id = NEW.community_id) THEN
    RAISE EXCEPTION 'access.%: vehicle % is not in community %', TG_TABLE_NAME, j->>'vehicle_id', NEW.community_id USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF j ? 'house_id' AND j->>'house_id' IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM base.houses h WHERE h.id = (j->>'house_id')::uuid AND h.community_id = NEW.community_id) THEN
    RAISE EXCEPTION 'access.%: house % is not in community %', TG_TABLE_NAME, j->>'house_id', NEW.community_id USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER person_refs_links BEFORE INSERT OR UPDATE ON access.person_refs FOR EACH ROW EXECUTE FUNCTION access.check_links();
--> statement-breakpoint
CREATE TRIGGER visitor_passes_links BEFORE INSERT OR UPDATE ON access.visitor_passes FOR EACH ROW EXECUTE FUNCTION access.check_links();
--> statement-breakpoint
CREATE TRIGGER pass_records_links BEFORE INSERT ON access.pass_records FOR EACH ROW EXECUTE FUNCTION access.check_links();
--> statement-breakpoint
CREATE TRIGGER parking_spaces_links BEFORE INSERT OR UPDATE ON access.parking_spaces FOR EACH ROW EXECUTE FUNCTION access.check_links();
