-- Events are community data under row-level security. Workflows with no community (the platform's default) are
-- readable everywhere. History is append-only for everyone; photos are never edited.
GRANT USAGE ON SCHEMA events TO shequ_app;
--> statement-breakpoint
GRANT SELECT, INSERT ON events.workflows, events.history, events.photos TO shequ_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON events.events, events.timers TO shequ_app;
--> statement-breakpoint
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA events TO shequ_app;
--> statement-breakpoint
ALTER TABLE events.workflows ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY workflows_read ON events.workflows FOR SELECT USING (community_id IS NULL OR shequ_in_scope(community_id));
--> statement-breakpoint
CREATE POLICY workflows_write ON events.workflows FOR INSERT WITH CHECK (community_id IS NOT NULL AND shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE events.events ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY events_scope ON events.events USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE events.photos ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY photos_scope ON events.photos USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE events.history ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY history_scope ON events.history USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE events.timers ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY timers_scope ON events.timers USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
CREATE FUNCTION events.reject_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'events.% is append-only: % rejected', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER history_append_only BEFORE UPDATE OR DELETE ON events.history FOR EACH ROW EXECUTE FUNCTION events.reject_change();
--> statement-breakpoint
CREATE TRIGGER workflows_immutable BEFORE UPDATE OR DELETE ON events.workflows FOR EACH ROW EXECUTE FUNCTION events.reject_change();
--> statement-breakpoint
-- Every change of an event moves its version by exactly one (the optimistic-concurrency token), and who reported
-- it, where and how never change.
CREATE FUNCTION events.check_event_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.version <> OLD.version + 1 THEN
    RAISE EXCEPTION 'events.events: version must grow by one (% -> %)', OLD.version, NEW.version USING ERRCODE = 'serialization_failure';
  END IF;
  IF NEW.reporter_id <> OLD.reporter_id OR NEW.community_id <> OLD.community_id OR NEW.source <> OLD.source THEN
    RAISE EXCEPTION 'events.events: reporter, community and source never change' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER events_versioned BEFORE UPDATE ON events.events FOR EACH ROW EXECUTE FUNCTION events.check_event_change();
