CREATE TABLE "tenancy"."api_clients" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"name" text NOT NULL,
	"key_id" text NOT NULL,
	"secret_cipher" text NOT NULL,
	"previous_secret_cipher" text,
	"previous_valid_until" timestamp with time zone,
	"scopes" text[] NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"rate_limit" integer DEFAULT 120 NOT NULL,
	"created_by" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"rotated_at" timestamp with time zone,
	"disabled_at" timestamp with time zone,
	"last_used_at" timestamp with time zone,
	CONSTRAINT "api_clients_key_id_unique" UNIQUE("key_id")
);
--> statement-breakpoint
CREATE TABLE "tenancy"."api_nonces" (
	"key_id" text NOT NULL,
	"nonce" text NOT NULL,
	"community_id" uuid NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "api_nonces_key_id_nonce_pk" PRIMARY KEY("key_id","nonce")
);
--> statement-breakpoint
CREATE INDEX "api_clients_community_idx" ON "tenancy"."api_clients" USING btree ("community_id","created_at");--> statement-breakpoint
CREATE INDEX "api_nonces_expiry_idx" ON "tenancy"."api_nonces" USING btree ("expires_at");