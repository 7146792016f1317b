CREATE TABLE "points"."redemptions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"item_id" uuid NOT NULL,
	"user_id" text NOT NULL,
	"quantity" integer NOT NULL,
	"amount" bigint NOT NULL,
	"transfer_id" uuid NOT NULL,
	"pickup_code" text NOT NULL,
	"state" text DEFAULT 'placed' NOT NULL,
	"idempotency_key" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"closed_at" timestamp with time zone,
	"closed_by" text,
	CONSTRAINT "redemptions_transfer_id_unique" UNIQUE("transfer_id"),
	CONSTRAINT "redemptions_idempotency_uq" UNIQUE("community_id","user_id","idempotency_key"),
	CONSTRAINT "redemptions_pickup_uq" UNIQUE("community_id","pickup_code"),
	CONSTRAINT "redemptions_quantity_range" CHECK ("points"."redemptions"."quantity" between 1 and 10),
	CONSTRAINT "redemptions_state_check" CHECK ("points"."redemptions"."state" in ('placed','fulfilled','cancelled'))
);
--> statement-breakpoint
CREATE TABLE "points"."shop_items" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"name" text NOT NULL,
	"name_en" text,
	"description" text DEFAULT '' NOT NULL,
	"price" bigint NOT NULL,
	"stock" integer NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"version" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "shop_items_price_positive" CHECK ("points"."shop_items"."price" > 0),
	CONSTRAINT "shop_items_stock_nonnegative" CHECK ("points"."shop_items"."stock" >= 0)
);
--> statement-breakpoint
ALTER TABLE "points"."redemptions" ADD CONSTRAINT "redemptions_item_id_shop_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "points"."shop_items"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "points"."redemptions" ADD CONSTRAINT "redemptions_transfer_id_transfers_id_fk" FOREIGN KEY ("transfer_id") REFERENCES "points"."transfers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "redemptions_user_idx" ON "points"."redemptions" USING btree ("community_id","user_id","created_at");--> statement-breakpoint
CREATE INDEX "shop_items_community_idx" ON "points"."shop_items" USING btree ("community_id","active");