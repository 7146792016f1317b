CREATE SCHEMA "booking";
--> statement-breakpoint
CREATE TABLE "booking"."spaces" (
	"space_id" uuid PRIMARY KEY NOT NULL,
	"community_id" uuid NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"opening_hours" jsonb NOT NULL,
	"slot_minutes" integer NOT NULL,
	"capacity" integer DEFAULT 1 NOT NULL,
	"allowed_roles" text[] DEFAULT '{}'::text[] NOT NULL,
	"max_per_week" integer,
	"hold_minutes" integer DEFAULT 10 NOT NULL,
	"cancel_before_minutes" integer DEFAULT 120 NOT NULL,
	"advance_days" integer DEFAULT 14 NOT NULL,
	"fee_fen" bigint DEFAULT 0 NOT NULL,
	"rules" text,
	"version" integer DEFAULT 1 NOT NULL,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "spaces_slot_minutes" CHECK ("booking"."spaces"."slot_minutes" between 15 and 480),
	CONSTRAINT "spaces_capacity" CHECK ("booking"."spaces"."capacity" between 1 and 100),
	CONSTRAINT "spaces_hold_minutes" CHECK ("booking"."spaces"."hold_minutes" between 1 and 120),
	CONSTRAINT "spaces_cancel_before" CHECK ("booking"."spaces"."cancel_before_minutes" between 0 and 10080),
	CONSTRAINT "spaces_advance_days" CHECK ("booking"."spaces"."advance_days" between 1 and 90),
	CONSTRAINT "spaces_max_per_week" CHECK ("booking"."spaces"."max_per_week" is null or "booking"."spaces"."max_per_week" between 1 and 100),
	CONSTRAINT "spaces_fee" CHECK ("booking"."spaces"."fee_fen" between 0 and 100000000)
);
--> statement-breakpoint
CREATE TABLE "booking"."bookings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"space_id" uuid NOT NULL,
	"unit" integer DEFAULT 1 NOT NULL,
	"user_id" uuid NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"during" "tstzrange" GENERATED ALWAYS AS (tstzrange(starts_at, ends_at, '[)')) STORED,
	"status" text NOT NULL,
	"hold_expires_at" timestamp with time zone,
	"fee_fen" bigint DEFAULT 0 NOT NULL,
	"payment_status" text DEFAULT 'not_required' NOT NULL,
	"note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"confirmed_at" timestamp with time zone,
	"checked_in_at" timestamp with time zone,
	"cancelled_at" timestamp with time zone,
	"cancelled_by" text,
	"cancel_reason" text,
	CONSTRAINT "bookings_status" CHECK ("booking"."bookings"."status" in ('held','confirmed','checked_in','cancelled','expired','no_show')),
	CONSTRAINT "bookings_payment_status" CHECK ("booking"."bookings"."payment_status" in ('not_required','pending','paid','refunded','waived')),
	CONSTRAINT "bookings_unit" CHECK ("booking"."bookings"."unit" >= 1),
	CONSTRAINT "bookings_range" CHECK ("booking"."bookings"."ends_at" > "booking"."bookings"."starts_at"),
	CONSTRAINT "bookings_hold_expiry" CHECK ("booking"."bookings"."status" <> 'held' or "booking"."bookings"."hold_expires_at" is not null),
	CONSTRAINT "bookings_fee" CHECK ("booking"."bookings"."fee_fen" >= 0)
);
--> statement-breakpoint
ALTER TABLE "booking"."spaces" ADD CONSTRAINT "spaces_space_id_spaces_id_fk" FOREIGN KEY ("space_id") REFERENCES "base"."spaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "booking"."bookings" ADD CONSTRAINT "bookings_space_id_spaces_space_id_fk" FOREIGN KEY ("space_id") REFERENCES "booking"."spaces"("space_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "booking_spaces_community_idx" ON "booking"."spaces" USING btree ("community_id");--> statement-breakpoint
CREATE INDEX "bookings_space_start_idx" ON "booking"."bookings" USING btree ("space_id","starts_at");--> statement-breakpoint
CREATE INDEX "bookings_user_idx" ON "booking"."bookings" USING btree ("user_id","starts_at");--> statement-breakpoint
CREATE INDEX "bookings_hold_idx" ON "booking"."bookings" USING btree ("hold_expires_at") WHERE status = 'held';