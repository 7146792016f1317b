CREATE TABLE "base"."facilities" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"name" text NOT NULL,
	"type" text NOT NULL,
	"subtype" text,
	"location" text,
	"lng" double precision,
	"lat" double precision,
	"status" text NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"updated_by" text NOT NULL,
	CONSTRAINT "facilities_name_uq" UNIQUE("community_id","name")
);
--> statement-breakpoint
CREATE TABLE "base"."map_features" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"ref_id" uuid,
	"geometry" jsonb NOT NULL,
	"properties" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"updated_by" text NOT NULL,
	CONSTRAINT "map_features_kind_check" CHECK ("base"."map_features"."kind" in ('building','space','facility','road','boundary'))
);
--> statement-breakpoint
CREATE TABLE "base"."spaces" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"name" text NOT NULL,
	"use_type" text NOT NULL,
	"use_type_detail" text,
	"location" text,
	"lng" double precision,
	"lat" double precision,
	"building_code" text,
	"area" numeric(12, 2),
	"ownership" text,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"updated_by" text NOT NULL,
	CONSTRAINT "spaces_name_uq" UNIQUE("community_id","name")
);
--> statement-breakpoint
CREATE INDEX "facilities_type_idx" ON "base"."facilities" USING btree ("community_id","type");--> statement-breakpoint
CREATE INDEX "map_features_kind_idx" ON "base"."map_features" USING btree ("community_id","kind");