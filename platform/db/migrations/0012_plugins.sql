CREATE SCHEMA "plugin";
--> statement-breakpoint
CREATE TABLE "plugin"."installs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"plugin_id" text NOT NULL,
	"version" text NOT NULL,
	"state" text NOT NULL,
	"grants" jsonb NOT NULL,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"installed_by" text NOT NULL,
	"installed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"uninstalled_at" timestamp with time zone,
	"purge_after" timestamp with time zone,
	"revision" integer DEFAULT 1 NOT NULL,
	CONSTRAINT "installs_community_plugin_uq" UNIQUE("community_id","plugin_id"),
	CONSTRAINT "installs_state_check" CHECK ("plugin"."installs"."state" in ('enabled','disabled','uninstalled'))
);
--> statement-breakpoint
CREATE TABLE "plugin"."packages" (
	"plugin_id" text NOT NULL,
	"version" text NOT NULL,
	"manifest" jsonb NOT NULL,
	"bundle" text NOT NULL,
	"bundle_sha256" text NOT NULL,
	"source" text DEFAULT 'local' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "packages_pk" PRIMARY KEY("plugin_id","version")
);
--> statement-breakpoint
CREATE TABLE "plugin"."records" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"plugin_id" text NOT NULL,
	"collection" text NOT NULL,
	"data" jsonb NOT NULL,
	"written_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text,
	"revision" integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
CREATE INDEX "installs_plugin_idx" ON "plugin"."installs" USING btree ("plugin_id");--> statement-breakpoint
CREATE INDEX "records_scope_idx" ON "plugin"."records" USING btree ("community_id","plugin_id","collection","created_at");--> statement-breakpoint
CREATE INDEX "records_data_idx" ON "plugin"."records" USING gin ("data" jsonb_path_ops);