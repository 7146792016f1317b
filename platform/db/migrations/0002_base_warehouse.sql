CREATE SCHEMA "base";
--> statement-breakpoint
CREATE TABLE "base"."changes" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"community_id" uuid NOT NULL,
	"entity" text NOT NULL,
	"entity_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"action" text NOT NULL,
	"actor" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"diff" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "base"."houses" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"compound_id" uuid NOT NULL,
	"building" text NOT NULL,
	"unit" text NOT NULL,
	"floor" text NOT NULL,
	"room" text NOT NULL,
	"layout" text,
	"area" numeric(10, 2),
	"ownership" text,
	"building_code" text,
	"grid_code" text,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"updated_by" text NOT NULL,
	CONSTRAINT "houses_key_uq" UNIQUE("compound_id","building","unit","floor","room")
);
--> statement-breakpoint
CREATE TABLE "base"."import_batches" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"file_name" text NOT NULL,
	"file_sha256" text NOT NULL,
	"row_count" integer NOT NULL,
	"file_cipher" text NOT NULL,
	"report" jsonb NOT NULL,
	"status" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "base"."occupancies" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"person_id" uuid NOT NULL,
	"house_id" uuid NOT NULL,
	"role" text NOT NULL,
	"valid_from" date DEFAULT now() NOT NULL,
	"valid_to" date,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"updated_by" text NOT NULL,
	CONSTRAINT "occupancies_uq" UNIQUE("person_id","house_id","role","valid_from"),
	CONSTRAINT "occupancies_role_check" CHECK ("base"."occupancies"."role" in ('owner','family','tenant','other')),
	CONSTRAINT "occupancies_window_check" CHECK ("base"."occupancies"."valid_to" is null or "base"."occupancies"."valid_to" >= "base"."occupancies"."valid_from")
);
--> statement-breakpoint
CREATE TABLE "base"."people" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"name" text NOT NULL,
	"id_type" text NOT NULL,
	"id_number_cipher" text NOT NULL,
	"id_number_index" text NOT NULL,
	"id_number_masked" text NOT NULL,
	"gender" text DEFAULT 'unknown' NOT NULL,
	"birth_date" date,
	"phone_cipher" text,
	"phone_index" text,
	"phone_masked" text,
	"category" text NOT NULL,
	"occupation" text,
	"party_member" boolean DEFAULT false NOT NULL,
	"health_status_cipher" text,
	"key_care_tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"updated_by" text NOT NULL,
	CONSTRAINT "people_id_number_uq" UNIQUE("community_id","id_number_index")
);
--> statement-breakpoint
ALTER TABLE "base"."occupancies" ADD CONSTRAINT "occupancies_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "base"."people"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "base"."occupancies" ADD CONSTRAINT "occupancies_house_id_houses_id_fk" FOREIGN KEY ("house_id") REFERENCES "base"."houses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "changes_entity_idx" ON "base"."changes" USING btree ("entity","entity_id","seq");--> statement-breakpoint
CREATE INDEX "houses_community_idx" ON "base"."houses" USING btree ("community_id","compound_id","building");--> statement-breakpoint
CREATE INDEX "import_batches_sha_idx" ON "base"."import_batches" USING btree ("community_id","file_sha256");--> statement-breakpoint
CREATE INDEX "occupancies_house_idx" ON "base"."occupancies" USING btree ("house_id");--> statement-breakpoint
CREATE INDEX "people_name_idx" ON "base"."people" USING btree ("community_id","name");--> statement-breakpoint
CREATE INDEX "people_phone_idx" ON "base"."people" USING btree ("phone_index");--> statement-breakpoint
CREATE INDEX "people_tags_idx" ON "base"."people" USING gin ("tags");