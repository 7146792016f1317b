CREATE SCHEMA "message";
--> statement-breakpoint
CREATE TABLE "message"."broadcasts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"audience" jsonb NOT NULL,
	"template_code" text,
	"title_zh" text NOT NULL,
	"title_en" text NOT NULL,
	"body_zh" text NOT NULL,
	"body_en" text NOT NULL,
	"channels" text[] NOT NULL,
	"urgent" boolean DEFAULT false NOT NULL,
	"audience_count" integer NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "message"."deliveries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"message_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"channel" text NOT NULL,
	"status" text NOT NULL,
	"due_at" timestamp with time zone DEFAULT now() NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"provider_ref" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "deliveries_channel" CHECK ("message"."deliveries"."channel" in ('in_app','sms','app_push','provincial_push')),
	CONSTRAINT "deliveries_status" CHECK ("message"."deliveries"."status" in ('queued','deferred','sent','delivered','failed','rate_limited'))
);
--> statement-breakpoint
CREATE TABLE "message"."inbox" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"title_zh" text NOT NULL,
	"title_en" text NOT NULL,
	"body_zh" text NOT NULL,
	"body_en" text NOT NULL,
	"template_code" text,
	"broadcast_id" uuid,
	"sender" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"read_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "message"."templates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"title_zh" text NOT NULL,
	"title_en" text NOT NULL,
	"body_zh" text NOT NULL,
	"body_en" text NOT NULL,
	"variables" text[] DEFAULT '{}'::text[] NOT NULL,
	"channels" text[] DEFAULT '{in_app}'::text[] NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "templates_code_uq" UNIQUE("community_id","code")
);
--> statement-breakpoint
ALTER TABLE "message"."deliveries" ADD CONSTRAINT "deliveries_message_id_inbox_id_fk" FOREIGN KEY ("message_id") REFERENCES "message"."inbox"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message"."inbox" ADD CONSTRAINT "inbox_broadcast_id_broadcasts_id_fk" FOREIGN KEY ("broadcast_id") REFERENCES "message"."broadcasts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "broadcasts_community_idx" ON "message"."broadcasts" USING btree ("community_id","created_at");--> statement-breakpoint
CREATE INDEX "deliveries_due_idx" ON "message"."deliveries" USING btree ("due_at") WHERE status in ('queued','deferred');--> statement-breakpoint
CREATE INDEX "deliveries_user_channel_idx" ON "message"."deliveries" USING btree ("user_id","channel","created_at");--> statement-breakpoint
CREATE INDEX "deliveries_message_idx" ON "message"."deliveries" USING btree ("message_id");--> statement-breakpoint
CREATE INDEX "inbox_user_idx" ON "message"."inbox" USING btree ("user_id","created_at");