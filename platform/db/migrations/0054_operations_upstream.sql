CREATE TABLE "market"."downstream_reports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"downstream_id" uuid NOT NULL,
	"catalog_id" text NOT NULL,
	"day" date NOT NULL,
	"report_hash" text NOT NULL,
	"report" jsonb NOT NULL,
	"signature" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "downstream_reports_uq" UNIQUE("downstream_id","day","report_hash")
);
--> statement-breakpoint
CREATE TABLE "market"."downstreams" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"catalog_id" text NOT NULL,
	"name" text NOT NULL,
	"key_fingerprint" text NOT NULL,
	"public_key" text,
	"region_id" uuid,
	"region_path" text,
	"active" boolean DEFAULT true NOT NULL,
	"last_report_at" timestamp with time zone,
	"added_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "downstreams_catalog_uq" UNIQUE("catalog_id")
);
--> statement-breakpoint
CREATE TABLE "market"."report_deliveries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"upstream_id" uuid NOT NULL,
	"day" date NOT NULL,
	"status" text NOT NULL,
	"http_status" integer,
	"error" jsonb,
	"attempted_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "report_deliveries_status" CHECK ("market"."report_deliveries"."status" in ('delivered', 'duplicate', 'failed'))
);
--> statement-breakpoint
ALTER TABLE "market"."downstream_reports" ADD CONSTRAINT "downstream_reports_downstream_id_downstreams_id_fk" FOREIGN KEY ("downstream_id") REFERENCES "market"."downstreams"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "market"."report_deliveries" ADD CONSTRAINT "report_deliveries_upstream_id_upstreams_id_fk" FOREIGN KEY ("upstream_id") REFERENCES "market"."upstreams"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "downstream_reports_day_idx" ON "market"."downstream_reports" USING btree ("day");--> statement-breakpoint
CREATE INDEX "report_deliveries_upstream_day_idx" ON "market"."report_deliveries" USING btree ("upstream_id","day");