CREATE TABLE "market"."operations_reports" (
	"day" date PRIMARY KEY NOT NULL,
	"report" jsonb NOT NULL,
	"key_id" text NOT NULL,
	"signature" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "plugin"."active_users" (
	"day" date NOT NULL,
	"community_id" uuid NOT NULL,
	"plugin_id" text NOT NULL,
	"user_hash" text NOT NULL,
	CONSTRAINT "active_users_pk" PRIMARY KEY("day","community_id","plugin_id","user_hash")
);
--> statement-breakpoint
CREATE INDEX "active_users_plugin_idx" ON "plugin"."active_users" USING btree ("plugin_id","day");