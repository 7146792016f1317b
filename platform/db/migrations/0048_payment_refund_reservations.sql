ALTER TABLE "payment"."orders" ALTER COLUMN "user_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "payment"."intents" ADD COLUMN "refunding_fen" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "payment"."refunds" ADD COLUMN "provider_refund_no" text;--> statement-breakpoint
ALTER TABLE "payment"."refunds" ADD COLUMN "failure_reason" text;--> statement-breakpoint
ALTER TABLE "payment"."refunds" ADD COLUMN "idempotency_key" text;--> statement-breakpoint
ALTER TABLE "payment"."refunds" ADD COLUMN "request_hash" text;--> statement-breakpoint
ALTER TABLE "payment"."refunds" ADD COLUMN "settled_at" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "refunds_idempotency_idx" ON "payment"."refunds" USING btree ("community_id","idempotency_key") WHERE idempotency_key is not null;--> statement-breakpoint
CREATE INDEX "refunds_pending_idx" ON "payment"."refunds" USING btree ("created_at") WHERE status = 'pending';--> statement-breakpoint
ALTER TABLE "payment"."intents" ADD CONSTRAINT "intents_refunding" CHECK ("payment"."intents"."refunding_fen" >= 0 and "payment"."intents"."refunded_fen" + "payment"."intents"."refunding_fen" <= "payment"."intents"."captured_fen");