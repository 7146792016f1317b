-- Double booking is impossible in the database: two active bookings of one unit of a space cannot overlap in time.
-- btree_gist lets the GiST index compare the uuid and integer columns with `=` beside the range's `&&`.
CREATE EXTENSION IF NOT EXISTS btree_gist;
--> statement-breakpoint
ALTER TABLE booking.bookings ADD CONSTRAINT bookings_no_overlap
  EXCLUDE USING gist (space_id WITH =, unit WITH =, during WITH &&)
  WHERE (status IN ('held', 'confirmed', 'checked_in'));
--> statement-breakpoint
GRANT USAGE ON SCHEMA booking TO shequ_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON booking.spaces TO shequ_app;
--> statement-breakpoint
-- Bookings are never deleted: a cancelled or expired booking stays on record.
GRANT SELECT, INSERT, UPDATE ON booking.bookings TO shequ_app;
--> statement-breakpoint
ALTER TABLE booking.spaces ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY spaces_scope ON booking.spaces USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE booking.bookings ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY bookings_scope ON booking.bookings USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
-- A booking belongs to the community of its space.
CREATE FUNCTION booking.check_community() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM booking.spaces s WHERE s.space_id = NEW.space_id AND s.community_id = NEW.community_id) THEN
    RAISE EXCEPTION 'booking.bookings: space % is not in community %', NEW.space_id, NEW.community_id USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER bookings_community BEFORE INSERT ON booking.bookings FOR EACH ROW EXECUTE FUNCTION booking.check_community();
