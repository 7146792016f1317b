CREATE SCHEMA "points";
--> statement-breakpoint
CREATE TABLE "points"."accounts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"owner_type" text NOT NULL,
	"owner_id" text NOT NULL,
	"balance" bigint DEFAULT 0 NOT NULL,
	"credit_limit" bigint DEFAULT 0 NOT NULL,
	"version" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "accounts_owner_uq" UNIQUE("community_id","kind","owner_type","owner_id"),
	CONSTRAINT "accounts_kind_check" CHECK ("points"."accounts"."kind" in ('points','time')),
	CONSTRAINT "accounts_no_overdraft" CHECK ("points"."accounts"."balance" + "points"."accounts"."credit_limit" >= 0),
	CONSTRAINT "accounts_credit_nonnegative" CHECK ("points"."accounts"."credit_limit" >= 0)
);
--> statement-breakpoint
CREATE TABLE "points"."entries" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"transfer_id" uuid NOT NULL,
	"account_id" uuid NOT NULL,
	"community_id" uuid NOT NULL,
	"amount" bigint NOT NULL,
	"balance_after" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "points"."transfers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"from_account" uuid NOT NULL,
	"to_account" uuid NOT NULL,
	"amount" bigint NOT NULL,
	"reason" text NOT NULL,
	"idempotency_key" text NOT NULL,
	"request_hash" text NOT NULL,
	"reverses" uuid,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "transfers_reverses_unique" UNIQUE("reverses"),
	CONSTRAINT "transfers_idempotency_uq" UNIQUE("community_id","idempotency_key"),
	CONSTRAINT "transfers_amount_positive" CHECK ("points"."transfers"."amount" > 0),
	CONSTRAINT "transfers_distinct_accounts" CHECK ("points"."transfers"."from_account" <> "points"."transfers"."to_account")
);
--> statement-breakpoint
ALTER TABLE "points"."entries" ADD CONSTRAINT "entries_transfer_id_transfers_id_fk" FOREIGN KEY ("transfer_id") REFERENCES "points"."transfers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "points"."entries" ADD CONSTRAINT "entries_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "points"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "points"."transfers" ADD CONSTRAINT "transfers_from_account_accounts_id_fk" FOREIGN KEY ("from_account") REFERENCES "points"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "points"."transfers" ADD CONSTRAINT "transfers_to_account_accounts_id_fk" FOREIGN KEY ("to_account") REFERENCES "points"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "entries_account_idx" ON "points"."entries" USING btree ("account_id","seq");--> statement-breakpoint
CREATE INDEX "transfers_from_idx" ON "points"."transfers" USING btree ("from_account","created_at");--> statement-breakpoint
CREATE INDEX "transfers_to_idx" ON "points"."transfers" USING btree ("to_account","created_at");