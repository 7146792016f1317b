CREATE TABLE "access"."pass_health" (
	"pass_record_id" uuid PRIMARY KEY NOT NULL,
	"community_id" uuid NOT NULL,
	"passed_at" timestamp with time zone NOT NULL,
	"temperature" numeric(4, 2) NOT NULL,
	CONSTRAINT "pass_health_temperature" CHECK ("access"."pass_health"."temperature" between 30 and 45)
);
--> statement-breakpoint
ALTER TABLE "access"."pass_health" ADD CONSTRAINT "pass_health_pass_record_id_pass_records_id_fk" FOREIGN KEY ("pass_record_id") REFERENCES "access"."pass_records"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "pass_health_time_idx" ON "access"."pass_health" USING btree ("community_id","passed_at");