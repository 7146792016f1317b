-- Ratings and reviews are community data: an operator's community-scoped transaction (the app role) may write only
-- its own communities' reviews, and only the rating, text and version columns (a publisher's reply and a reviewer's
-- hiding are platform-scoped work by the connecting role). Reviews are public within the catalog: every operator
-- browsing it reads every community's (hidden ones are filtered by the services).
GRANT SELECT ON market.app_reviews TO shequ_app;
--> statement-breakpoint
-- (drizzle names every column in an insert, so INSERT is granted on the table; a new review can carry no reply and
-- not be hidden, checked by the trigger below.)
GRANT INSERT ON market.app_reviews TO shequ_app;
--> statement-breakpoint
GRANT UPDATE (rating, body, version, author, updated_at) ON market.app_reviews TO shequ_app;
--> statement-breakpoint
ALTER TABLE market.app_reviews ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY app_reviews_read ON market.app_reviews FOR SELECT USING (true);
--> statement-breakpoint
CREATE POLICY app_reviews_insert ON market.app_reviews FOR INSERT WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
CREATE POLICY app_reviews_update ON market.app_reviews FOR UPDATE USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
-- A new review has no reply and is not hidden. The publisher replies once: a reply, once written, is never changed
-- or removed.
CREATE FUNCTION market.app_reviews_reply_once() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.reply IS NOT NULL OR NEW.replied_by IS NOT NULL OR NEW.hidden_at IS NOT NULL OR NEW.hidden_by IS NOT NULL THEN
      RAISE EXCEPTION 'a new review carries no reply and is not hidden' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
  END IF;
  IF OLD.reply IS NOT NULL AND NEW.reply IS DISTINCT FROM OLD.reply THEN
    RAISE EXCEPTION 'the publisher already replied to review %', OLD.id USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER app_reviews_reply_once BEFORE INSERT OR UPDATE ON market.app_reviews FOR EACH ROW EXECUTE FUNCTION market.app_reviews_reply_once();
--> statement-breakpoint
-- The rating summary of an app (count and sum of visible reviews) follows every write of its reviews: deltas applied
-- under the summary row's lock, so concurrent reviews of one app never lose a count. The function runs as its owner
-- (the app role may read the summary but not write it).
GRANT SELECT ON market.app_ratings TO shequ_app;
--> statement-breakpoint
CREATE FUNCTION market.app_ratings_follow() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, market AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.hidden_at IS NULL THEN
    UPDATE market.app_ratings SET ratings = ratings - 1, rating_sum = rating_sum - OLD.rating, updated_at = now()
      WHERE plugin_id = OLD.plugin_id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.hidden_at IS NULL THEN
    INSERT INTO market.app_ratings (plugin_id, ratings, rating_sum) VALUES (NEW.plugin_id, 1, NEW.rating)
      ON CONFLICT (plugin_id) DO UPDATE SET ratings = app_ratings.ratings + 1,
        rating_sum = app_ratings.rating_sum + EXCLUDED.rating_sum, updated_at = now();
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION market.app_ratings_follow() FROM PUBLIC;
--> statement-breakpoint
CREATE TRIGGER app_ratings_follow AFTER INSERT OR UPDATE OR DELETE ON market.app_reviews FOR EACH ROW EXECUTE FUNCTION market.app_ratings_follow();
