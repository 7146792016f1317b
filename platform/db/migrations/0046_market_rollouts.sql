CREATE TABLE "market"."rollout_communities" (
	"rollout_id" uuid NOT NULL,
	"community_id" uuid NOT NULL,
	"pilot" boolean NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"note" jsonb,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "rollout_communities_pk" PRIMARY KEY("rollout_id","community_id"),
	CONSTRAINT "rollout_communities_state_check" CHECK ("market"."rollout_communities"."state" in ('pending','upgraded','failed','skipped','rolled_back','left'))
);
--> statement-breakpoint
CREATE TABLE "market"."rollouts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"plugin_id" text NOT NULL,
	"from_version" text NOT NULL,
	"to_version" text NOT NULL,
	"stage" text DEFAULT 'pilot' NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"threshold" double precision NOT NULL,
	"min_calls" integer NOT NULL,
	"grant_new" jsonb,
	"reason" jsonb,
	"started_by" text NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"promoted_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"revision" integer DEFAULT 1 NOT NULL,
	CONSTRAINT "rollouts_stage_check" CHECK ("market"."rollouts"."stage" in ('pilot','full')),
	CONSTRAINT "rollouts_status_check" CHECK ("market"."rollouts"."status" in ('active','completed','rolled_back','aborted')),
	CONSTRAINT "rollouts_threshold_check" CHECK ("market"."rollouts"."threshold" > 0 and "market"."rollouts"."threshold" <= 1 and "market"."rollouts"."min_calls" >= 1)
);
--> statement-breakpoint
CREATE TABLE "plugin"."handler_metrics" (
	"community_id" uuid NOT NULL,
	"plugin_id" text NOT NULL,
	"version" text NOT NULL,
	"handler" text NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"calls" integer DEFAULT 0 NOT NULL,
	"errors" integer DEFAULT 0 NOT NULL,
	"total_ms" double precision DEFAULT 0 NOT NULL,
	"max_ms" double precision DEFAULT 0 NOT NULL,
	"buckets" integer[] NOT NULL,
	CONSTRAINT "handler_metrics_pk" PRIMARY KEY("community_id","plugin_id","version","handler","hour"),
	CONSTRAINT "handler_metrics_counts" CHECK ("plugin"."handler_metrics"."calls" >= 0 and "plugin"."handler_metrics"."errors" >= 0 and "plugin"."handler_metrics"."errors" <= "plugin"."handler_metrics"."calls")
);
--> statement-breakpoint
ALTER TABLE "market"."rollout_communities" ADD CONSTRAINT "rollout_communities_rollout_id_rollouts_id_fk" FOREIGN KEY ("rollout_id") REFERENCES "market"."rollouts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "rollout_communities_community_idx" ON "market"."rollout_communities" USING btree ("community_id");--> statement-breakpoint
CREATE UNIQUE INDEX "rollouts_active_uq" ON "market"."rollouts" USING btree ("plugin_id") WHERE "market"."rollouts"."status" = 'active';--> statement-breakpoint
CREATE INDEX "rollouts_plugin_idx" ON "market"."rollouts" USING btree ("plugin_id","started_at");--> statement-breakpoint
CREATE INDEX "handler_metrics_plugin_idx" ON "plugin"."handler_metrics" USING btree ("plugin_id","hour");