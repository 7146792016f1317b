-- Federation (DB33 8.1.1) is platform-wide catalog data like the rest of market: written only by platform-scoped
-- work (the sync job, administrators). The app role may read which versions came from an upstream (install checks);
-- the upstream list (pinned keys, errors) is for administrators only.
GRANT SELECT ON market.federated_versions TO shequ_app;
--> statement-breakpoint
-- The index serial only goes up: a replayed older serial could otherwise be re-signed.
CREATE FUNCTION market.catalog_serial_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.serial <= OLD.serial THEN
    RAISE EXCEPTION 'market.catalog_state serial must increase (% -> %)', OLD.serial, NEW.serial USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER catalog_serial_guard BEFORE UPDATE ON market.catalog_state FOR EACH ROW EXECUTE FUNCTION market.catalog_serial_guard();
--> statement-breakpoint
-- A follower's last accepted serial never goes down either.
CREATE FUNCTION market.upstream_serial_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.last_serial < OLD.last_serial THEN
    RAISE EXCEPTION 'market.upstreams last_serial must not go down (% -> %)', OLD.last_serial, NEW.last_serial USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER upstream_serial_guard BEFORE UPDATE ON market.upstreams FOR EACH ROW EXECUTE FUNCTION market.upstream_serial_guard();
