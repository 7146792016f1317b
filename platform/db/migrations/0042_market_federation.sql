CREATE TABLE "market"."catalog_state" (
	"id" text PRIMARY KEY NOT NULL,
	"serial" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "market"."federated_versions" (
	"version_id" uuid PRIMARY KEY NOT NULL,
	"upstream_id" uuid NOT NULL,
	"publisher_key" text NOT NULL,
	"upstream_state" text NOT NULL,
	"upstream_killed" boolean DEFAULT false NOT NULL,
	"local_hold" boolean DEFAULT false NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "federated_versions_state_check" CHECK ("market"."federated_versions"."upstream_state" in ('on_shelf','off_shelf'))
);
--> statement-breakpoint
CREATE TABLE "market"."upstreams" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"url" text NOT NULL,
	"catalog_id" text,
	"key_fingerprint" text NOT NULL,
	"public_key" text,
	"active" boolean DEFAULT true NOT NULL,
	"last_serial" bigint DEFAULT 0 NOT NULL,
	"last_sync_at" timestamp with time zone,
	"last_attempt_at" timestamp with time zone,
	"last_error" jsonb,
	"added_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "upstreams_url_uq" UNIQUE("url"),
	CONSTRAINT "upstreams_catalog_uq" UNIQUE("catalog_id")
);
--> statement-breakpoint
ALTER TABLE "market"."publishers" ADD COLUMN "source" text DEFAULT 'local' NOT NULL;--> statement-breakpoint
ALTER TABLE "market"."federated_versions" ADD CONSTRAINT "federated_versions_version_id_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "market"."versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "market"."federated_versions" ADD CONSTRAINT "federated_versions_upstream_id_upstreams_id_fk" FOREIGN KEY ("upstream_id") REFERENCES "market"."upstreams"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "federated_versions_upstream_idx" ON "market"."federated_versions" USING btree ("upstream_id");