CREATE TABLE "base"."merge_proposals" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"entity" text NOT NULL,
	"target_id" uuid NOT NULL,
	"target_version" integer NOT NULL,
	"fields" text[] NOT NULL,
	"incoming_cipher" text NOT NULL,
	"incoming_index" text NOT NULL,
	"source" text NOT NULL,
	"source_row" integer,
	"status" text DEFAULT 'pending' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"decided_at" timestamp with time zone,
	"decided_by" text,
	"note" text,
	CONSTRAINT "merge_proposals_entity_check" CHECK ("base"."merge_proposals"."entity" in ('person','house','vehicle')),
	CONSTRAINT "merge_proposals_status_check" CHECK ("base"."merge_proposals"."status" in ('pending','accepted','rejected','superseded')),
	CONSTRAINT "merge_proposals_decided_check" CHECK (("base"."merge_proposals"."status" = 'pending') = ("base"."merge_proposals"."decided_at" is null))
);
--> statement-breakpoint
CREATE INDEX "merge_proposals_pending_idx" ON "base"."merge_proposals" USING btree ("community_id","status","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "merge_proposals_once_uq" ON "base"."merge_proposals" USING btree ("target_id","incoming_index") WHERE "base"."merge_proposals"."status" = 'pending';