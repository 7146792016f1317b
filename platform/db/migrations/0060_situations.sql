CREATE TABLE "iot"."situation_detections" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"community_id" uuid NOT NULL,
	"situation_id" uuid NOT NULL,
	"device_id" uuid NOT NULL,
	"message_id" text NOT NULL,
	"detected_at" timestamp with time zone NOT NULL,
	"value" jsonb,
	CONSTRAINT "situation_detections_message_uq" UNIQUE("device_id","message_id","detected_at")
);
--> statement-breakpoint
CREATE TABLE "iot"."situation_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"category" text NOT NULL,
	"device_id" uuid NOT NULL,
	"product_key" text NOT NULL,
	"device_name" text NOT NULL,
	"location" text,
	"occurred_at" timestamp with time zone NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL,
	"detections" integer DEFAULT 1 NOT NULL,
	"parties" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"result" text,
	"handled_by" text,
	"closed_at" timestamp with time zone,
	"desk_event_id" uuid,
	"payload" jsonb,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "situation_events_kind_check" CHECK ("iot"."situation_events"."kind" in ('abnormal','boundary','emergency')),
	CONSTRAINT "situation_events_status_check" CHECK ("iot"."situation_events"."status" in ('open','closed')),
	CONSTRAINT "situation_events_detections_check" CHECK ("iot"."situation_events"."detections" >= 1)
);
--> statement-breakpoint
ALTER TABLE "iot"."devices" ADD COLUMN "location" text;--> statement-breakpoint
CREATE INDEX "situation_detections_situation_idx" ON "iot"."situation_detections" USING btree ("situation_id","detected_at");--> statement-breakpoint
CREATE INDEX "situation_events_list_idx" ON "iot"."situation_events" USING btree ("community_id","occurred_at","id");--> statement-breakpoint
CREATE INDEX "situation_events_open_idx" ON "iot"."situation_events" USING btree ("device_id","category","status","last_seen_at");--> statement-breakpoint
CREATE INDEX "situation_events_desk_idx" ON "iot"."situation_events" USING btree ("desk_event_id");