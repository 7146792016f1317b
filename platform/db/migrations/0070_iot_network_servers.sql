CREATE TABLE "iot"."network_servers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"base_url" text NOT NULL,
	"token_cipher" text NOT NULL,
	"tts_application_id" text,
	"tts_webhook_id" text,
	"enabled" boolean DEFAULT true NOT NULL,
	"offline_after_seconds" integer DEFAULT 1800 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	CONSTRAINT "network_servers_community_id_unique" UNIQUE("community_id"),
	CONSTRAINT "network_servers_kind_check" CHECK ("iot"."network_servers"."kind" in ('chirpstack','tts')),
	CONSTRAINT "network_servers_offline_check" CHECK ("iot"."network_servers"."offline_after_seconds" between 60 and 604800)
);
