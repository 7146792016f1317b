CREATE TABLE "iot"."parcels" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"device_id" uuid NOT NULL,
	"product_key" text NOT NULL,
	"device_name" text NOT NULL,
	"cell" text NOT NULL,
	"tracking_no" text,
	"carrier" text,
	"deposited_at" timestamp with time zone,
	"picked_up_at" timestamp with time zone,
	"dwell_minutes" integer,
	"overdue" boolean DEFAULT false NOT NULL,
	"deposit_fact_id" uuid,
	"pickup_fact_id" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "parcels_deposit_fact_uq" UNIQUE("deposit_fact_id"),
	CONSTRAINT "parcels_pickup_fact_uq" UNIQUE("pickup_fact_id"),
	CONSTRAINT "parcels_known_check" CHECK ("iot"."parcels"."deposited_at" is not null or "iot"."parcels"."picked_up_at" is not null)
);
--> statement-breakpoint
CREATE TABLE "iot"."warehouse_facts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"device_id" uuid NOT NULL,
	"product_key" text NOT NULL,
	"device_name" text NOT NULL,
	"domain" text NOT NULL,
	"event" text NOT NULL,
	"message_id" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"cell" text,
	"ref" text,
	"category" text,
	"label" text,
	"amount" double precision,
	"flag" boolean,
	"value" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "warehouse_facts_message_uq" UNIQUE("device_id","message_id"),
	CONSTRAINT "warehouse_facts_domain_check" CHECK ("iot"."warehouse_facts"."domain" in ('parcel','garbage','vitals'))
);
--> statement-breakpoint
CREATE INDEX "parcels_cell_idx" ON "iot"."parcels" USING btree ("device_id","cell","deposited_at");--> statement-breakpoint
CREATE INDEX "parcels_community_idx" ON "iot"."parcels" USING btree ("community_id","deposited_at");--> statement-breakpoint
CREATE INDEX "warehouse_facts_domain_idx" ON "iot"."warehouse_facts" USING btree ("community_id","domain","at");--> statement-breakpoint
CREATE INDEX "warehouse_facts_device_idx" ON "iot"."warehouse_facts" USING btree ("device_id","event","at");