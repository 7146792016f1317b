-- The points shop is community data under row-level security. Items are edited (name, price, stock, on or off);
-- redemptions only move forward (placed → fulfilled or cancelled) and are never deleted.
GRANT SELECT, INSERT, UPDATE ON points.shop_items TO shequ_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON points.redemptions TO shequ_app;
--> statement-breakpoint
ALTER TABLE points.shop_items ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY shop_items_scope ON points.shop_items USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE points.redemptions ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY redemptions_scope ON points.redemptions USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
CREATE FUNCTION points.redemption_moves_forward() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'points.redemptions is never deleted' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF OLD.state <> 'placed' OR (NEW.item_id, NEW.user_id, NEW.quantity, NEW.amount, NEW.transfer_id, NEW.pickup_code)
     IS DISTINCT FROM (OLD.item_id, OLD.user_id, OLD.quantity, OLD.amount, OLD.transfer_id, OLD.pickup_code) THEN
    RAISE EXCEPTION 'a redemption only moves from placed to fulfilled or cancelled' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER redemptions_forward BEFORE UPDATE OR DELETE ON points.redemptions FOR EACH ROW EXECUTE FUNCTION points.redemption_moves_forward();
