CREATE SCHEMA "market";
--> statement-breakpoint
CREATE TABLE "market"."install_prefs" (
	"community_id" uuid NOT NULL,
	"plugin_id" text NOT NULL,
	"pinned_version" text,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "install_prefs_pk" PRIMARY KEY("community_id","plugin_id")
);
--> statement-breakpoint
CREATE TABLE "market"."kills" (
	"version_id" uuid PRIMARY KEY NOT NULL,
	"plugin_id" text NOT NULL,
	"version" text NOT NULL,
	"reason" text NOT NULL,
	"killed_by" text NOT NULL,
	"disabled_installs" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "market"."listings" (
	"plugin_id" text PRIMARY KEY NOT NULL,
	"publisher_id" uuid NOT NULL,
	"name" jsonb NOT NULL,
	"description" jsonb NOT NULL,
	"scenario" text NOT NULL,
	"source" text DEFAULT 'local' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "market"."platform_keys" (
	"key_id" text PRIMARY KEY NOT NULL,
	"public_key" text NOT NULL,
	"private_key_enc" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "market"."publisher_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"publisher_id" uuid NOT NULL,
	"key_id" text NOT NULL,
	"public_key" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	"revoked_reason" text,
	CONSTRAINT "publisher_keys_key_uq" UNIQUE("key_id"),
	CONSTRAINT "publisher_keys_public_uq" UNIQUE("public_key")
);
--> statement-breakpoint
CREATE TABLE "market"."publishers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"slug" text NOT NULL,
	"name" jsonb NOT NULL,
	"members" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "publishers_slug_unique" UNIQUE("slug")
);
--> statement-breakpoint
CREATE TABLE "market"."review_reports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version_id" uuid NOT NULL,
	"passed" boolean NOT NULL,
	"items" jsonb NOT NULL,
	"escalation" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"body" text NOT NULL,
	"key_id" text NOT NULL,
	"signature" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "market"."submissions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version_id" uuid NOT NULL,
	"plugin_id" text NOT NULL,
	"version" text NOT NULL,
	"state" text DEFAULT 'submitted' NOT NULL,
	"submitted_by" text NOT NULL,
	"reviewer" text,
	"reasons" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revision" integer DEFAULT 1 NOT NULL,
	CONSTRAINT "submissions_state_check" CHECK ("market"."submissions"."state" in ('submitted','in_review','approved','rejected','on_shelf','off_shelf','withdrawn')),
	CONSTRAINT "submissions_rejected_has_reasons" CHECK ("market"."submissions"."state" <> 'rejected' or jsonb_array_length("market"."submissions"."reasons") > 0)
);
--> statement-breakpoint
CREATE TABLE "market"."versions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"plugin_id" text NOT NULL,
	"version" text NOT NULL,
	"major" integer NOT NULL,
	"minor" integer NOT NULL,
	"patch" integer NOT NULL,
	"prerelease" text,
	"manifest" json NOT NULL,
	"archive" text NOT NULL,
	"archive_sha256" text NOT NULL,
	"archive_bytes" integer NOT NULL,
	"key_id" text NOT NULL,
	"uploaded_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "versions_plugin_version_uq" UNIQUE("plugin_id","version"),
	CONSTRAINT "versions_parts_nonnegative" CHECK ("market"."versions"."major" >= 0 and "market"."versions"."minor" >= 0 and "market"."versions"."patch" >= 0),
	CONSTRAINT "versions_text_matches_parts" CHECK ("market"."versions"."version" = "market"."versions"."major"::text || '.' || "market"."versions"."minor"::text || '.' || "market"."versions"."patch"::text || coalesce('-' || "market"."versions"."prerelease", ''))
);
--> statement-breakpoint
ALTER TABLE "market"."kills" ADD CONSTRAINT "kills_version_id_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "market"."versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "market"."listings" ADD CONSTRAINT "listings_publisher_id_publishers_id_fk" FOREIGN KEY ("publisher_id") REFERENCES "market"."publishers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "market"."publisher_keys" ADD CONSTRAINT "publisher_keys_publisher_id_publishers_id_fk" FOREIGN KEY ("publisher_id") REFERENCES "market"."publishers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "market"."review_reports" ADD CONSTRAINT "review_reports_version_id_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "market"."versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "market"."submissions" ADD CONSTRAINT "submissions_version_id_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "market"."versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "market"."versions" ADD CONSTRAINT "versions_plugin_id_listings_plugin_id_fk" FOREIGN KEY ("plugin_id") REFERENCES "market"."listings"("plugin_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "review_reports_version_idx" ON "market"."review_reports" USING btree ("version_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "submissions_live_uq" ON "market"."submissions" USING btree ("version_id") WHERE "market"."submissions"."state" not in ('rejected','withdrawn');--> statement-breakpoint
CREATE INDEX "submissions_state_idx" ON "market"."submissions" USING btree ("state","created_at");--> statement-breakpoint
CREATE INDEX "submissions_plugin_idx" ON "market"."submissions" USING btree ("plugin_id","created_at");