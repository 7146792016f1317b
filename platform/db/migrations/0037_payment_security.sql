-- Payment: what the application role may do, row-level security by community, and the money rules the database
-- itself enforces (amount bounds and refund ≤ captured are CHECK constraints in the table migration).
GRANT USAGE ON SCHEMA payment TO shequ_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON payment.orders, payment.intents, payment.refunds TO shequ_app;
--> statement-breakpoint
-- Stored first responses and accepted notifications are never rewritten; ledger entries are append-only.
GRANT SELECT, INSERT ON payment.idempotency_keys, payment.ledger_entries, payment.provider_notifications TO shequ_app;
--> statement-breakpoint
ALTER TABLE payment.orders ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY orders_scope ON payment.orders USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE payment.intents ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY intents_scope ON payment.intents USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE payment.refunds ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY refunds_scope ON payment.refunds USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE payment.idempotency_keys ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY idempotency_scope ON payment.idempotency_keys USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE payment.ledger_entries ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY ledger_scope ON payment.ledger_entries USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE payment.provider_notifications ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY notifications_scope ON payment.provider_notifications USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
-- Every ledger transaction balances: at commit, the entries of each transaction touched sum to zero.
CREATE FUNCTION payment.check_ledger_balance() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  total numeric;
BEGIN
  SELECT coalesce(sum(amount_fen), 0) INTO total FROM payment.ledger_entries WHERE txn_id = NEW.txn_id;
  IF total <> 0 THEN
    RAISE EXCEPTION 'payment.ledger_entries: transaction % does not balance (sum %)', NEW.txn_id, total
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER ledger_balanced AFTER INSERT ON payment.ledger_entries
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION payment.check_ledger_balance();
--> statement-breakpoint
-- An intent and a refund belong to the community of their order.
CREATE FUNCTION payment.check_community() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM payment.orders o WHERE o.id = NEW.order_id AND o.community_id = NEW.community_id) THEN
    RAISE EXCEPTION '%.%: order % is not in community %', TG_TABLE_SCHEMA, TG_TABLE_NAME, NEW.order_id, NEW.community_id
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER intents_community BEFORE INSERT ON payment.intents FOR EACH ROW EXECUTE FUNCTION payment.check_community();
--> statement-breakpoint
CREATE TRIGGER refunds_community BEFORE INSERT ON payment.refunds FOR EACH ROW EXECUTE FUNCTION payment.check_community();
--> statement-breakpoint
-- The intent state machine as data (the same table as `intentTransitions` in platform/core/src/payment/states.ts; a
-- test compares them): a status change that is not listed here is refused by the database, whoever writes it.
CREATE TABLE payment.intent_transitions (
  from_state text NOT NULL,
  to_state text NOT NULL,
  PRIMARY KEY (from_state, to_state)
);
--> statement-breakpoint
INSERT INTO payment.intent_transitions (from_state, to_state) VALUES
  ('created', 'pending'),
  ('created', 'cancelled'),
  ('created', 'failed'),
  ('pending', 'authorized'),
  ('pending', 'succeeded'),
  ('pending', 'cancelled'),
  ('pending', 'failed'),
  ('authorized', 'succeeded'),
  ('authorized', 'cancelled'),
  ('authorized', 'failed'),
  ('succeeded', 'partially_refunded'),
  ('succeeded', 'refunded'),
  ('partially_refunded', 'partially_refunded'),
  ('partially_refunded', 'refunded');
--> statement-breakpoint
GRANT SELECT ON payment.intent_transitions TO shequ_app;
--> statement-breakpoint
CREATE FUNCTION payment.check_intent_transition() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status AND NOT EXISTS (
    SELECT 1 FROM payment.intent_transitions t WHERE t.from_state = OLD.status AND t.to_state = NEW.status
  ) THEN
    RAISE EXCEPTION 'payment.intents: % cannot become %', OLD.status, NEW.status USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER intents_transition BEFORE UPDATE OF status ON payment.intents
  FOR EACH ROW EXECUTE FUNCTION payment.check_intent_transition();
