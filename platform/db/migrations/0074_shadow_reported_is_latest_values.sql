ALTER TABLE "iot"."device_properties" ADD COLUMN "updates" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
CREATE INDEX "shadows_waiting_idx" ON "iot"."shadows" USING btree ("device_id") WHERE "iot"."shadows"."desired" <> '{}'::jsonb;--> statement-breakpoint
ALTER TABLE "iot"."shadows" DROP COLUMN "reported";