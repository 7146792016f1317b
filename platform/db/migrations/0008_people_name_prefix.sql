DROP INDEX "base"."people_name_idx";--> statement-breakpoint
CREATE INDEX "people_name_idx" ON "base"."people" USING btree ("community_id","name" collate "C","id");