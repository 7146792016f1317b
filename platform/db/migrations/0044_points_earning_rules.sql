CREATE TABLE "points"."earning_awards" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"rule_id" uuid NOT NULL,
	"user_id" text NOT NULL,
	"source_id" text NOT NULL,
	"day" date NOT NULL,
	"transfer_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "earning_awards_source_uq" UNIQUE("rule_id","source_id")
);
--> statement-breakpoint
CREATE TABLE "points"."earning_rules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"name" text NOT NULL,
	"name_en" text,
	"trigger" text NOT NULL,
	"filter" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"kind" text DEFAULT 'points' NOT NULL,
	"amount" integer NOT NULL,
	"daily_cap" integer,
	"enabled" boolean DEFAULT true NOT NULL,
	"version" integer DEFAULT 0 NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "earning_rules_trigger_check" CHECK ("points"."earning_rules"."trigger" in ('booking.checked_in','events.closed')),
	CONSTRAINT "earning_rules_kind_check" CHECK ("points"."earning_rules"."kind" in ('points','time')),
	CONSTRAINT "earning_rules_amount_range" CHECK ("points"."earning_rules"."amount" between 1 and 10000),
	CONSTRAINT "earning_rules_cap_range" CHECK ("points"."earning_rules"."daily_cap" is null or "points"."earning_rules"."daily_cap" between 1 and 100)
);
--> statement-breakpoint
ALTER TABLE "points"."earning_awards" ADD CONSTRAINT "earning_awards_rule_id_earning_rules_id_fk" FOREIGN KEY ("rule_id") REFERENCES "points"."earning_rules"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "points"."earning_awards" ADD CONSTRAINT "earning_awards_transfer_id_transfers_id_fk" FOREIGN KEY ("transfer_id") REFERENCES "points"."transfers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "earning_awards_user_day_idx" ON "points"."earning_awards" USING btree ("rule_id","user_id","day");--> statement-breakpoint
CREATE INDEX "earning_rules_trigger_idx" ON "points"."earning_rules" USING btree ("community_id","trigger","enabled");