CREATE SCHEMA "access";
--> statement-breakpoint
CREATE TABLE "access"."fee_rules" (
	"community_id" uuid PRIMARY KEY NOT NULL,
	"free_minutes" integer DEFAULT 30 NOT NULL,
	"per_hour_fen" bigint DEFAULT 500 NOT NULL,
	"daily_cap_fen" bigint DEFAULT 5000 NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "fee_rules_free" CHECK ("access"."fee_rules"."free_minutes" between 0 and 1440),
	CONSTRAINT "fee_rules_hour" CHECK ("access"."fee_rules"."per_hour_fen" between 0 and 100000),
	CONSTRAINT "fee_rules_cap" CHECK ("access"."fee_rules"."daily_cap_fen" between 0 and 10000000)
);
--> statement-breakpoint
CREATE TABLE "access"."parking_sessions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"plate" text NOT NULL,
	"entered_at" timestamp with time zone NOT NULL,
	"exited_at" timestamp with time zone,
	"entry_record_id" uuid,
	"exit_record_id" uuid,
	"fee_fen" bigint,
	"rule" jsonb,
	"payment_status" text DEFAULT 'open' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "parking_sessions_range" CHECK ("access"."parking_sessions"."exited_at" is null or "access"."parking_sessions"."exited_at" >= "access"."parking_sessions"."entered_at"),
	CONSTRAINT "parking_sessions_fee" CHECK ("access"."parking_sessions"."fee_fen" is null or "access"."parking_sessions"."fee_fen" >= 0),
	CONSTRAINT "parking_sessions_payment" CHECK ("access"."parking_sessions"."payment_status" in ('open','not_required','pending','paid','waived') and (("access"."parking_sessions"."exited_at" is null) = ("access"."parking_sessions"."payment_status" = 'open')))
);
--> statement-breakpoint
CREATE TABLE "access"."parking_spaces" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"code" text NOT NULL,
	"kind" text NOT NULL,
	"vehicle_id" uuid,
	"location" text,
	"version" integer DEFAULT 1 NOT NULL,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "parking_spaces_code_uq" UNIQUE("community_id","code"),
	CONSTRAINT "parking_spaces_kind" CHECK ("access"."parking_spaces"."kind" in ('owned','rented','public'))
);
--> statement-breakpoint
CREATE TABLE "access"."pass_records" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"device_id" uuid NOT NULL,
	"product_key" text NOT NULL,
	"device_name" text NOT NULL,
	"gate_kind" text NOT NULL,
	"direction" text NOT NULL,
	"passed_at" timestamp with time zone NOT NULL,
	"subject_kind" text NOT NULL,
	"person_id" uuid,
	"vehicle_id" uuid,
	"visitor_pass_id" uuid,
	"plate" text,
	"method" text NOT NULL,
	"admitted" boolean DEFAULT true NOT NULL,
	"refusal" text,
	"message_id" text NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pass_records_message_uq" UNIQUE("device_id","message_id"),
	CONSTRAINT "pass_records_direction" CHECK ("access"."pass_records"."direction" in ('in','out')),
	CONSTRAINT "pass_records_gate_kind" CHECK ("access"."pass_records"."gate_kind" in ('people','vehicle')),
	CONSTRAINT "pass_records_subject" CHECK ("access"."pass_records"."subject_kind" in ('person','vehicle','visitor','unknown')),
	CONSTRAINT "pass_records_method" CHECK ("access"."pass_records"."method" in ('face','card','qr','password','remote','plate')),
	CONSTRAINT "pass_records_refusal" CHECK ("access"."pass_records"."admitted" or "access"."pass_records"."refusal" is not null)
);
--> statement-breakpoint
CREATE TABLE "access"."person_refs" (
	"community_id" uuid NOT NULL,
	"ref" text NOT NULL,
	"person_id" uuid NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "person_refs_community_id_ref_pk" PRIMARY KEY("community_id","ref")
);
--> statement-breakpoint
CREATE TABLE "access"."visitor_passes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"inviter_user_id" uuid NOT NULL,
	"house_id" uuid,
	"visitor_name" text NOT NULL,
	"visitor_phone_masked" text,
	"valid_from" timestamp with time zone NOT NULL,
	"valid_until" timestamp with time zone NOT NULL,
	"max_entries" integer DEFAULT 1 NOT NULL,
	"entries" integer DEFAULT 0 NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"code" text NOT NULL,
	"token_digest" text NOT NULL,
	"note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	"revoked_by" text,
	CONSTRAINT "visitor_passes_status" CHECK ("access"."visitor_passes"."status" in ('active','revoked','used_up')),
	CONSTRAINT "visitor_passes_window" CHECK ("access"."visitor_passes"."valid_until" > "access"."visitor_passes"."valid_from"),
	CONSTRAINT "visitor_passes_entries" CHECK ("access"."visitor_passes"."max_entries" between 1 and 20 and "access"."visitor_passes"."entries" between 0 and "access"."visitor_passes"."max_entries")
);
--> statement-breakpoint
ALTER TABLE "access"."parking_sessions" ADD CONSTRAINT "parking_sessions_entry_record_id_pass_records_id_fk" FOREIGN KEY ("entry_record_id") REFERENCES "access"."pass_records"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "access"."parking_sessions" ADD CONSTRAINT "parking_sessions_exit_record_id_pass_records_id_fk" FOREIGN KEY ("exit_record_id") REFERENCES "access"."pass_records"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "access"."parking_spaces" ADD CONSTRAINT "parking_spaces_vehicle_id_vehicles_id_fk" FOREIGN KEY ("vehicle_id") REFERENCES "base"."vehicles"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "access"."pass_records" ADD CONSTRAINT "pass_records_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "base"."people"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "access"."pass_records" ADD CONSTRAINT "pass_records_vehicle_id_vehicles_id_fk" FOREIGN KEY ("vehicle_id") REFERENCES "base"."vehicles"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "access"."pass_records" ADD CONSTRAINT "pass_records_visitor_pass_id_visitor_passes_id_fk" FOREIGN KEY ("visitor_pass_id") REFERENCES "access"."visitor_passes"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "access"."person_refs" ADD CONSTRAINT "person_refs_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "base"."people"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "access"."visitor_passes" ADD CONSTRAINT "visitor_passes_house_id_houses_id_fk" FOREIGN KEY ("house_id") REFERENCES "base"."houses"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "parking_sessions_open_uq" ON "access"."parking_sessions" USING btree ("community_id","plate") WHERE exited_at is null;--> statement-breakpoint
CREATE INDEX "parking_sessions_time_idx" ON "access"."parking_sessions" USING btree ("community_id","entered_at");--> statement-breakpoint
CREATE INDEX "parking_spaces_vehicle_idx" ON "access"."parking_spaces" USING btree ("vehicle_id");--> statement-breakpoint
CREATE INDEX "pass_records_time_idx" ON "access"."pass_records" USING btree ("community_id","passed_at","id");--> statement-breakpoint
CREATE INDEX "pass_records_plate_idx" ON "access"."pass_records" USING btree ("community_id","plate","passed_at");--> statement-breakpoint
CREATE INDEX "person_refs_person_idx" ON "access"."person_refs" USING btree ("person_id");--> statement-breakpoint
CREATE INDEX "visitor_passes_inviter_idx" ON "access"."visitor_passes" USING btree ("inviter_user_id","created_at");--> statement-breakpoint
CREATE INDEX "visitor_passes_community_idx" ON "access"."visitor_passes" USING btree ("community_id","valid_until");--> statement-breakpoint
CREATE UNIQUE INDEX "visitor_passes_token_uq" ON "access"."visitor_passes" USING btree ("token_digest");--> statement-breakpoint
CREATE UNIQUE INDEX "visitor_passes_code_uq" ON "access"."visitor_passes" USING btree ("community_id","code") WHERE status = 'active';