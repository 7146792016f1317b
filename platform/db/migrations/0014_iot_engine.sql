CREATE SCHEMA "iot";
--> statement-breakpoint
CREATE TABLE "iot"."device_properties" (
	"device_id" uuid NOT NULL,
	"community_id" uuid NOT NULL,
	"identifier" text NOT NULL,
	"value" jsonb,
	"time" timestamp with time zone NOT NULL,
	CONSTRAINT "device_properties_device_id_identifier_pk" PRIMARY KEY("device_id","identifier")
);
--> statement-breakpoint
CREATE TABLE "iot"."device_sessions" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"community_id" uuid NOT NULL,
	"device_id" uuid NOT NULL,
	"epoch" integer NOT NULL,
	"state" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"ip" text,
	"reason" text
);
--> statement-breakpoint
CREATE TABLE "iot"."devices" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"product_id" uuid NOT NULL,
	"product_key" text NOT NULL,
	"device_name" text NOT NULL,
	"nickname" text,
	"secret_cipher" text NOT NULL,
	"previous_secret_cipher" text,
	"previous_secret_until" timestamp with time zone,
	"enabled" boolean DEFAULT true NOT NULL,
	"state" text DEFAULT 'inactive' NOT NULL,
	"epoch" integer DEFAULT 0 NOT NULL,
	"gateway_id" uuid,
	"last_online_at" timestamp with time zone,
	"last_offline_at" timestamp with time zone,
	"last_ip" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	CONSTRAINT "devices_name_uq" UNIQUE("product_key","device_name"),
	CONSTRAINT "devices_state_check" CHECK ("iot"."devices"."state" in ('inactive','online','offline'))
);
--> statement-breakpoint
CREATE TABLE "iot"."mqtt_accounts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"name" text NOT NULL,
	"username" text NOT NULL,
	"password_hash" text NOT NULL,
	"product_keys" text[] DEFAULT '{}'::text[] NOT NULL,
	"topics" text[] NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	CONSTRAINT "mqtt_accounts_username_unique" UNIQUE("username")
);
--> statement-breakpoint
CREATE TABLE "iot"."products" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"product_key" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"node_type" text DEFAULT 'device' NOT NULL,
	"thing_model" jsonb NOT NULL,
	"product_secret_cipher" text,
	"dynamic_register" boolean DEFAULT false NOT NULL,
	"register_allow_list" text[] DEFAULT '{}'::text[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	CONSTRAINT "products_product_key_unique" UNIQUE("product_key"),
	CONSTRAINT "products_node_type_check" CHECK ("iot"."products"."node_type" in ('device','gateway'))
);
--> statement-breakpoint
CREATE TABLE "iot"."shadows" (
	"device_id" uuid PRIMARY KEY NOT NULL,
	"community_id" uuid NOT NULL,
	"reported" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"desired" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"version" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "iot"."telemetry" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"community_id" uuid NOT NULL,
	"device_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"identifier" text NOT NULL,
	"value" jsonb,
	"time" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "device_sessions_device_idx" ON "iot"."device_sessions" USING btree ("device_id","seq");--> statement-breakpoint
CREATE INDEX "devices_community_idx" ON "iot"."devices" USING btree ("community_id","product_id");--> statement-breakpoint
CREATE INDEX "devices_gateway_idx" ON "iot"."devices" USING btree ("gateway_id");--> statement-breakpoint
CREATE INDEX "mqtt_accounts_community_idx" ON "iot"."mqtt_accounts" USING btree ("community_id");--> statement-breakpoint
CREATE INDEX "products_community_idx" ON "iot"."products" USING btree ("community_id","name");--> statement-breakpoint
CREATE INDEX "telemetry_device_time_idx" ON "iot"."telemetry" USING btree ("device_id","identifier","time");