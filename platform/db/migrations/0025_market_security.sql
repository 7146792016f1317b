-- The marketplace catalog is platform-wide, not community data: publishers, listings, versions, submissions, review
-- reports and kills belong to no community, so row-level security by community has nothing to filter there. The
-- catalog is written only by platform-scoped work (withScope kind 'all', the connecting role); the unprivileged app
-- role that community-scoped transactions run as may read the shelf (to check a version is not killed while
-- installing) but never write it. Who may publish, review or operate is enforced by the services (market.publish,
-- market.review, market.operate). Install preferences (pins) are community data and under RLS like plugin.installs.
-- The platform signing key's row is never readable by the app role.
GRANT USAGE ON SCHEMA market TO shequ_app;
--> statement-breakpoint
GRANT SELECT ON market.publishers, market.listings, market.versions, market.submissions, market.review_reports, market.kills TO shequ_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON market.install_prefs TO shequ_app;
--> statement-breakpoint
ALTER TABLE market.install_prefs ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY install_prefs_scope ON market.install_prefs USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
-- Versions are immutable and only ever go up: no update, no delete, and a new version must be above every earlier
-- version of the app (release above its own prereleases; prereleases of one release compare as text). The lock
-- serialises concurrent uploads of one app.
CREATE FUNCTION market.versions_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  newest record;
BEGIN
  IF TG_OP <> 'INSERT' THEN
    RAISE EXCEPTION 'market.versions is immutable: % rejected', TG_OP USING ERRCODE = 'insufficient_privilege';
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('market.versions:' || NEW.plugin_id));
  SELECT major, minor, patch, prerelease INTO newest FROM market.versions
    WHERE plugin_id = NEW.plugin_id
    ORDER BY major DESC, minor DESC, patch DESC, (prerelease IS NULL) DESC, prerelease DESC
    LIMIT 1;
  IF FOUND AND (NEW.major, NEW.minor, NEW.patch, NEW.prerelease IS NULL, coalesce(NEW.prerelease, ''))
      <= (newest.major, newest.minor, newest.patch, newest.prerelease IS NULL, coalesce(newest.prerelease, '')) THEN
    RAISE EXCEPTION 'version % of % is not above % (versions never go down or repeat)', NEW.version, NEW.plugin_id,
      newest.major || '.' || newest.minor || '.' || newest.patch || coalesce('-' || newest.prerelease, '')
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER versions_guard BEFORE INSERT OR UPDATE OR DELETE ON market.versions FOR EACH ROW EXECUTE FUNCTION market.versions_guard();
--> statement-breakpoint
-- Review reports are signed: never edited.
CREATE FUNCTION market.reject_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'market.% is append-only: % rejected', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER review_reports_append_only BEFORE UPDATE OR DELETE ON market.review_reports FOR EACH ROW EXECUTE FUNCTION market.reject_change();
--> statement-breakpoint
CREATE TRIGGER kills_append_only BEFORE UPDATE OR DELETE ON market.kills FOR EACH ROW EXECUTE FUNCTION market.reject_change();
--> statement-breakpoint
-- A killed version never goes back on the shelf.
CREATE FUNCTION market.submissions_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.state IN ('on_shelf', 'approved', 'submitted', 'in_review')
     AND EXISTS (SELECT 1 FROM market.kills k WHERE k.version_id = NEW.version_id) THEN
    RAISE EXCEPTION 'version % of % was killed; it cannot be %', NEW.version, NEW.plugin_id, NEW.state
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER submissions_guard BEFORE INSERT OR UPDATE ON market.submissions FOR EACH ROW EXECUTE FUNCTION market.submissions_guard();
