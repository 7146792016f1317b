CREATE TABLE "base"."consents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"person_id" uuid NOT NULL,
	"purpose" text NOT NULL,
	"categories" text[] NOT NULL,
	"channel" text NOT NULL,
	"granted_at" timestamp with time zone DEFAULT now() NOT NULL,
	"granted_by" text NOT NULL,
	"withdrawn_at" timestamp with time zone,
	"withdrawn_by" text,
	"withdraw_channel" text
);
--> statement-breakpoint
CREATE TABLE "identity"."data_entry_profiles" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"max_grade" text DEFAULT 'L4' NOT NULL,
	"ack_version" text,
	"acknowledged_at" timestamp with time zone,
	"acknowledged_ip" text
);
--> statement-breakpoint
ALTER TABLE "base"."consents" ADD CONSTRAINT "consents_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "base"."people"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "identity"."data_entry_profiles" ADD CONSTRAINT "data_entry_profiles_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "identity"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "consents_person_idx" ON "base"."consents" USING btree ("person_id","purpose");