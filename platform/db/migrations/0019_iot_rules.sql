CREATE TABLE "iot"."alarms" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"rule_id" uuid,
	"device_id" uuid,
	"severity" text NOT NULL,
	"title" text NOT NULL,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "alarms_severity_check" CHECK ("iot"."alarms"."severity" in ('info','minor','major','critical'))
);
--> statement-breakpoint
CREATE TABLE "iot"."device_tags" (
	"device_id" uuid NOT NULL,
	"community_id" uuid NOT NULL,
	"key" text NOT NULL,
	"value" text NOT NULL,
	CONSTRAINT "device_tags_device_id_key_pk" PRIMARY KEY("device_id","key")
);
--> statement-breakpoint
CREATE TABLE "iot"."rule_dead_letters" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"rule_id" uuid NOT NULL,
	"event_id" uuid,
	"action_index" integer NOT NULL,
	"action" jsonb NOT NULL,
	"context" jsonb NOT NULL,
	"error" text NOT NULL,
	"attempts" integer DEFAULT 1 NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "iot"."rule_firings" (
	"rule_id" uuid NOT NULL,
	"device_id" uuid NOT NULL,
	"community_id" uuid NOT NULL,
	"last_fired_at" timestamp with time zone NOT NULL,
	CONSTRAINT "rule_firings_rule_id_device_id_pk" PRIMARY KEY("rule_id","device_id")
);
--> statement-breakpoint
CREATE TABLE "iot"."rule_metrics" (
	"rule_id" uuid PRIMARY KEY NOT NULL,
	"community_id" uuid NOT NULL,
	"evaluated" integer DEFAULT 0 NOT NULL,
	"matched" integer DEFAULT 0 NOT NULL,
	"fired" integer DEFAULT 0 NOT NULL,
	"debounced" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"last_fired_at" timestamp with time zone,
	"last_error" text
);
--> statement-breakpoint
CREATE TABLE "iot"."rule_records" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"rule_id" uuid NOT NULL,
	"community_id" uuid NOT NULL,
	"table_name" text NOT NULL,
	"device_id" uuid,
	"event_id" uuid,
	"data" jsonb NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "iot"."rule_traces" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"rule_id" uuid NOT NULL,
	"community_id" uuid NOT NULL,
	"event_id" uuid,
	"subject" text,
	"outcome" text NOT NULL,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "iot"."rules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"enabled" boolean DEFAULT true NOT NULL,
	"trigger" jsonb NOT NULL,
	"condition" text DEFAULT '' NOT NULL,
	"debounce_seconds" integer DEFAULT 0 NOT NULL,
	"actions" jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	CONSTRAINT "rules_name_uq" UNIQUE("community_id","name")
);
--> statement-breakpoint
CREATE INDEX "alarms_community_idx" ON "iot"."alarms" USING btree ("community_id","created_at");--> statement-breakpoint
CREATE INDEX "device_tags_lookup_idx" ON "iot"."device_tags" USING btree ("community_id","key","value");--> statement-breakpoint
CREATE INDEX "rule_dead_letters_rule_idx" ON "iot"."rule_dead_letters" USING btree ("rule_id","status");--> statement-breakpoint
CREATE INDEX "rule_records_table_idx" ON "iot"."rule_records" USING btree ("community_id","table_name","seq");--> statement-breakpoint
CREATE INDEX "rule_records_rule_idx" ON "iot"."rule_records" USING btree ("rule_id");--> statement-breakpoint
CREATE INDEX "rule_traces_rule_idx" ON "iot"."rule_traces" USING btree ("rule_id","seq");--> statement-breakpoint
CREATE INDEX "rules_community_idx" ON "iot"."rules" USING btree ("community_id","enabled");