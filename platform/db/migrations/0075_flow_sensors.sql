CREATE TABLE "access"."flow_counts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"device_id" uuid NOT NULL,
	"product_key" text NOT NULL,
	"device_name" text NOT NULL,
	"area" text NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"period_end" timestamp with time zone NOT NULL,
	"in_count" integer NOT NULL,
	"out_count" integer NOT NULL,
	"occupancy" integer,
	"message_id" text NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "flow_counts_message_uq" UNIQUE("device_id","message_id"),
	CONSTRAINT "flow_counts_counts" CHECK ("access"."flow_counts"."in_count" >= 0 and "access"."flow_counts"."out_count" >= 0),
	CONSTRAINT "flow_counts_occupancy" CHECK ("access"."flow_counts"."occupancy" is null or "access"."flow_counts"."occupancy" >= 0),
	CONSTRAINT "flow_counts_period" CHECK ("access"."flow_counts"."period_end" > "access"."flow_counts"."period_start")
);
--> statement-breakpoint
CREATE TABLE "access"."space_occupancies" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"space_id" uuid,
	"space_code" text NOT NULL,
	"device_id" uuid NOT NULL,
	"product_key" text NOT NULL,
	"device_name" text NOT NULL,
	"arrived_at" timestamp with time zone NOT NULL,
	"left_at" timestamp with time zone,
	"arrive_message_id" text NOT NULL,
	"leave_message_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "space_occupancies_arrive_uq" UNIQUE("device_id","arrive_message_id"),
	CONSTRAINT "space_occupancies_range" CHECK ("access"."space_occupancies"."left_at" is null or "access"."space_occupancies"."left_at" >= "access"."space_occupancies"."arrived_at"),
	CONSTRAINT "space_occupancies_leave" CHECK (("access"."space_occupancies"."left_at" is null) = ("access"."space_occupancies"."leave_message_id" is null))
);
--> statement-breakpoint
ALTER TABLE "access"."space_occupancies" ADD CONSTRAINT "space_occupancies_space_id_parking_spaces_id_fk" FOREIGN KEY ("space_id") REFERENCES "access"."parking_spaces"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "flow_counts_time_idx" ON "access"."flow_counts" USING btree ("community_id","period_start");--> statement-breakpoint
CREATE INDEX "flow_counts_area_idx" ON "access"."flow_counts" USING btree ("community_id","area","period_end");--> statement-breakpoint
CREATE UNIQUE INDEX "space_occupancies_open_uq" ON "access"."space_occupancies" USING btree ("community_id","space_code") WHERE left_at is null;--> statement-breakpoint
CREATE INDEX "space_occupancies_time_idx" ON "access"."space_occupancies" USING btree ("community_id","arrived_at");--> statement-breakpoint
CREATE INDEX "space_occupancies_space_idx" ON "access"."space_occupancies" USING btree ("community_id","space_code","arrived_at");