CREATE SCHEMA "events";
--> statement-breakpoint
CREATE TABLE "events"."history" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"event_id" uuid NOT NULL,
	"community_id" uuid NOT NULL,
	"action" text NOT NULL,
	"from_state" text,
	"to_state" text,
	"actor" text NOT NULL,
	"actor_role" text,
	"version" integer NOT NULL,
	"detail" jsonb,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "events"."photos" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"event_id" uuid NOT NULL,
	"community_id" uuid NOT NULL,
	"content_type" text NOT NULL,
	"data" text NOT NULL,
	"size" integer NOT NULL,
	"uploaded_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "photos_type_check" CHECK ("events"."photos"."content_type" in ('image/jpeg','image/png','image/webp')),
	CONSTRAINT "photos_size_check" CHECK ("events"."photos"."size" between 1 and 2097152)
);
--> statement-breakpoint
CREATE TABLE "events"."timers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"event_id" uuid NOT NULL,
	"community_id" uuid NOT NULL,
	"state" text NOT NULL,
	"kind" text NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"fired_at" timestamp with time zone,
	"cancelled_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "timers_kind_check" CHECK ("events"."timers"."kind" in ('warning','escalation'))
);
--> statement-breakpoint
CREATE TABLE "events"."workflows" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid,
	"plugin_id" text,
	"key" text NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"name" jsonb NOT NULL,
	"definition" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workflows_key_uq" UNIQUE NULLS NOT DISTINCT("community_id","key","version"),
	CONSTRAINT "workflows_key_format" CHECK ("events"."workflows"."key" ~ '^[a-z0-9][a-z0-9._:-]{0,99}$')
);
--> statement-breakpoint
CREATE TABLE "events"."events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"workflow_id" uuid NOT NULL,
	"type" text NOT NULL,
	"title" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"house_id" uuid,
	"space_id" uuid,
	"facility_id" uuid,
	"lon" double precision,
	"lat" double precision,
	"location_text" text,
	"severity" text DEFAULT 'normal' NOT NULL,
	"source" text NOT NULL,
	"source_ref" text,
	"reporter_id" text NOT NULL,
	"assignee_id" uuid,
	"state" text NOT NULL,
	"state_since" timestamp with time zone DEFAULT now() NOT NULL,
	"sla_due_at" timestamp with time zone,
	"rating" smallint,
	"rating_comment" text,
	"version" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "events_source_ref_uq" UNIQUE("community_id","source","source_ref"),
	CONSTRAINT "events_source_check" CHECK ("events"."events"."source" in ('resident','iot','grid','plugin')),
	CONSTRAINT "events_severity_check" CHECK ("events"."events"."severity" in ('low','normal','high','critical')),
	CONSTRAINT "events_rating_range" CHECK ("events"."events"."rating" is null or "events"."events"."rating" between 1 and 5),
	CONSTRAINT "events_title_length" CHECK (char_length("events"."events"."title") between 1 and 100),
	CONSTRAINT "events_description_length" CHECK (char_length("events"."events"."description") <= 2000),
	CONSTRAINT "events_point_valid" CHECK (("events"."events"."lon" is null) = ("events"."events"."lat" is null) and ("events"."events"."lon" is null or ("events"."events"."lon" between -180 and 180 and "events"."events"."lat" between -90 and 90)))
);
--> statement-breakpoint
ALTER TABLE "events"."history" ADD CONSTRAINT "history_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "events"."events"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "events"."photos" ADD CONSTRAINT "photos_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "events"."events"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "events"."timers" ADD CONSTRAINT "timers_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "events"."events"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "events"."events" ADD CONSTRAINT "events_workflow_id_workflows_id_fk" FOREIGN KEY ("workflow_id") REFERENCES "events"."workflows"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "history_event_idx" ON "events"."history" USING btree ("event_id","seq");--> statement-breakpoint
CREATE INDEX "photos_event_idx" ON "events"."photos" USING btree ("event_id");--> statement-breakpoint
CREATE INDEX "timers_due_idx" ON "events"."timers" USING btree ("due_at") WHERE fired_at is null and cancelled_at is null;--> statement-breakpoint
CREATE INDEX "timers_event_idx" ON "events"."timers" USING btree ("event_id");--> statement-breakpoint
CREATE INDEX "events_community_state_idx" ON "events"."events" USING btree ("community_id","state","created_at");--> statement-breakpoint
CREATE INDEX "events_reporter_idx" ON "events"."events" USING btree ("reporter_id","created_at");--> statement-breakpoint
CREATE INDEX "events_assignee_idx" ON "events"."events" USING btree ("assignee_id","state");--> statement-breakpoint
CREATE INDEX "events_sla_idx" ON "events"."events" USING btree ("community_id","sla_due_at");