CREATE SCHEMA "payment";
--> statement-breakpoint
CREATE TABLE "payment"."idempotency_keys" (
	"community_id" uuid NOT NULL,
	"key" text NOT NULL,
	"operation" text NOT NULL,
	"request_hash" text NOT NULL,
	"response" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "idempotency_keys_community_id_key_pk" PRIMARY KEY("community_id","key"),
	CONSTRAINT "idempotency_key_length" CHECK (char_length("payment"."idempotency_keys"."key") between 8 and 128)
);
--> statement-breakpoint
CREATE TABLE "payment"."intents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"order_id" uuid NOT NULL,
	"provider" text NOT NULL,
	"status" text DEFAULT 'created' NOT NULL,
	"amount_fen" bigint NOT NULL,
	"captured_fen" bigint DEFAULT 0 NOT NULL,
	"refunded_fen" bigint DEFAULT 0 NOT NULL,
	"out_trade_no" text NOT NULL,
	"provider_trade_no" text,
	"failure_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "intents_status" CHECK ("payment"."intents"."status" in ('created','pending','authorized','succeeded','partially_refunded','refunded','cancelled','failed')),
	CONSTRAINT "intents_provider" CHECK ("payment"."intents"."provider" in ('sandbox','wechat','alipay','unionpay')),
	CONSTRAINT "intents_amount" CHECK ("payment"."intents"."amount_fen" > 0 and "payment"."intents"."amount_fen" <= 10000000000),
	CONSTRAINT "intents_captured" CHECK ("payment"."intents"."captured_fen" >= 0 and "payment"."intents"."captured_fen" <= "payment"."intents"."amount_fen"),
	CONSTRAINT "intents_refunded" CHECK ("payment"."intents"."refunded_fen" >= 0 and "payment"."intents"."refunded_fen" <= "payment"."intents"."captured_fen")
);
--> statement-breakpoint
CREATE TABLE "payment"."ledger_entries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"txn_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"account" text NOT NULL,
	"amount_fen" bigint NOT NULL,
	"intent_id" uuid NOT NULL,
	"refund_id" uuid,
	"reference" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ledger_kind" CHECK ("payment"."ledger_entries"."kind" in ('capture','refund')),
	CONSTRAINT "ledger_amount" CHECK ("payment"."ledger_entries"."amount_fen" <> 0 and abs("payment"."ledger_entries"."amount_fen") <= 10000000000)
);
--> statement-breakpoint
CREATE TABLE "payment"."orders" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"subject" text NOT NULL,
	"amount_fen" bigint NOT NULL,
	"paid_fen" bigint DEFAULT 0 NOT NULL,
	"refunded_fen" bigint DEFAULT 0 NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"source_type" text,
	"source_id" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "orders_status" CHECK ("payment"."orders"."status" in ('open','paid','partially_refunded','refunded','cancelled')),
	CONSTRAINT "orders_amount" CHECK ("payment"."orders"."amount_fen" > 0 and "payment"."orders"."amount_fen" <= 10000000000),
	CONSTRAINT "orders_paid" CHECK ("payment"."orders"."paid_fen" >= 0 and "payment"."orders"."paid_fen" <= "payment"."orders"."amount_fen"),
	CONSTRAINT "orders_refunded" CHECK ("payment"."orders"."refunded_fen" >= 0 and "payment"."orders"."refunded_fen" <= "payment"."orders"."paid_fen"),
	CONSTRAINT "orders_subject" CHECK (char_length("payment"."orders"."subject") between 1 and 128)
);
--> statement-breakpoint
CREATE TABLE "payment"."provider_notifications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"provider" text NOT NULL,
	"notification_id" text NOT NULL,
	"nonce" text NOT NULL,
	"event_type" text NOT NULL,
	"out_trade_no" text NOT NULL,
	"payload" jsonb NOT NULL,
	"outcome" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "notifications_outcome" CHECK ("payment"."provider_notifications"."outcome" in ('applied','duplicate','ignored'))
);
--> statement-breakpoint
CREATE TABLE "payment"."refunds" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"intent_id" uuid NOT NULL,
	"order_id" uuid NOT NULL,
	"amount_fen" bigint NOT NULL,
	"out_refund_no" text NOT NULL,
	"reason" text,
	"status" text DEFAULT 'succeeded' NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "refunds_status" CHECK ("payment"."refunds"."status" in ('pending','succeeded','failed')),
	CONSTRAINT "refunds_amount" CHECK ("payment"."refunds"."amount_fen" > 0 and "payment"."refunds"."amount_fen" <= 10000000000)
);
--> statement-breakpoint
ALTER TABLE "payment"."intents" ADD CONSTRAINT "intents_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "payment"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment"."ledger_entries" ADD CONSTRAINT "ledger_entries_intent_id_intents_id_fk" FOREIGN KEY ("intent_id") REFERENCES "payment"."intents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment"."ledger_entries" ADD CONSTRAINT "ledger_entries_refund_id_refunds_id_fk" FOREIGN KEY ("refund_id") REFERENCES "payment"."refunds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment"."refunds" ADD CONSTRAINT "refunds_intent_id_intents_id_fk" FOREIGN KEY ("intent_id") REFERENCES "payment"."intents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment"."refunds" ADD CONSTRAINT "refunds_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "payment"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "intents_out_trade_no_idx" ON "payment"."intents" USING btree ("out_trade_no");--> statement-breakpoint
CREATE INDEX "intents_order_idx" ON "payment"."intents" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "ledger_txn_idx" ON "payment"."ledger_entries" USING btree ("txn_id");--> statement-breakpoint
CREATE INDEX "ledger_account_created_idx" ON "payment"."ledger_entries" USING btree ("account","created_at");--> statement-breakpoint
CREATE INDEX "orders_community_created_idx" ON "payment"."orders" USING btree ("community_id","created_at");--> statement-breakpoint
CREATE INDEX "orders_user_idx" ON "payment"."orders" USING btree ("community_id","user_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "orders_source_idx" ON "payment"."orders" USING btree ("community_id","source_type","source_id") WHERE source_type is not null and status <> 'cancelled';--> statement-breakpoint
CREATE UNIQUE INDEX "notifications_nonce_idx" ON "payment"."provider_notifications" USING btree ("provider","nonce");--> statement-breakpoint
CREATE UNIQUE INDEX "notifications_applied_idx" ON "payment"."provider_notifications" USING btree ("provider","notification_id") WHERE outcome = 'applied';--> statement-breakpoint
CREATE UNIQUE INDEX "refunds_out_refund_no_idx" ON "payment"."refunds" USING btree ("out_refund_no");--> statement-breakpoint
CREATE INDEX "refunds_intent_idx" ON "payment"."refunds" USING btree ("intent_id");