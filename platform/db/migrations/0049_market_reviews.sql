CREATE TABLE "market"."app_ratings" (
	"plugin_id" text PRIMARY KEY NOT NULL,
	"ratings" integer DEFAULT 0 NOT NULL,
	"rating_sum" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "app_ratings_nonnegative" CHECK ("market"."app_ratings"."ratings" >= 0 and "market"."app_ratings"."rating_sum" >= 0)
);
--> statement-breakpoint
CREATE TABLE "market"."app_reviews" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"plugin_id" text NOT NULL,
	"community_id" uuid NOT NULL,
	"rating" integer NOT NULL,
	"body" text DEFAULT '' NOT NULL,
	"version" text NOT NULL,
	"author" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"reply" text,
	"replied_by" text,
	"replied_at" timestamp with time zone,
	"hidden_at" timestamp with time zone,
	"hidden_by" text,
	"hidden_reason" text,
	CONSTRAINT "app_reviews_community_uq" UNIQUE("plugin_id","community_id"),
	CONSTRAINT "app_reviews_rating_range" CHECK ("market"."app_reviews"."rating" between 1 and 5),
	CONSTRAINT "app_reviews_body_length" CHECK (char_length("market"."app_reviews"."body") <= 2000),
	CONSTRAINT "app_reviews_reply_length" CHECK ("market"."app_reviews"."reply" is null or char_length("market"."app_reviews"."reply") between 1 and 2000),
	CONSTRAINT "app_reviews_hidden_reason" CHECK ("market"."app_reviews"."hidden_at" is null or char_length("market"."app_reviews"."hidden_reason") > 0)
);
--> statement-breakpoint
ALTER TABLE "market"."app_ratings" ADD CONSTRAINT "app_ratings_plugin_id_listings_plugin_id_fk" FOREIGN KEY ("plugin_id") REFERENCES "market"."listings"("plugin_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "market"."app_reviews" ADD CONSTRAINT "app_reviews_plugin_id_listings_plugin_id_fk" FOREIGN KEY ("plugin_id") REFERENCES "market"."listings"("plugin_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "app_reviews_plugin_idx" ON "market"."app_reviews" USING btree ("plugin_id","updated_at");