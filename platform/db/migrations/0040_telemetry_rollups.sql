CREATE TABLE "iot"."telemetry_rollups" (
	"community_id" uuid NOT NULL,
	"device_id" uuid NOT NULL,
	"identifier" text NOT NULL,
	"grain" text NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"n" integer NOT NULL,
	"sum" double precision NOT NULL,
	"min" double precision NOT NULL,
	"max" double precision NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "telemetry_rollups_device_id_identifier_grain_bucket_pk" PRIMARY KEY("device_id","identifier","grain","bucket"),
	CONSTRAINT "telemetry_rollups_grain_check" CHECK ("iot"."telemetry_rollups"."grain" in ('hour','day'))
);
--> statement-breakpoint
CREATE INDEX "telemetry_rollups_community_idx" ON "iot"."telemetry_rollups" USING btree ("community_id","grain","bucket");