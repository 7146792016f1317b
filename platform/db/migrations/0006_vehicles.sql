CREATE TABLE "base"."vehicles" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"plate" text NOT NULL,
	"plate_colour" text NOT NULL,
	"kind" text NOT NULL,
	"energy" text NOT NULL,
	"owner_person_id" uuid,
	"compound_id" uuid,
	"parking_space" text,
	"brand" text,
	"body_colour" text,
	"parking_minutes" integer,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"updated_by" text NOT NULL,
	CONSTRAINT "vehicles_plate_uq" UNIQUE("community_id","plate","plate_colour"),
	CONSTRAINT "vehicles_kind_check" CHECK ("base"."vehicles"."kind" in ('resident','temporary'))
);
--> statement-breakpoint
ALTER TABLE "base"."vehicles" ADD CONSTRAINT "vehicles_owner_person_id_people_id_fk" FOREIGN KEY ("owner_person_id") REFERENCES "base"."people"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "vehicles_owner_idx" ON "base"."vehicles" USING btree ("owner_person_id");