CREATE SCHEMA "esign";
--> statement-breakpoint
CREATE TABLE "esign"."certificates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"community_id" uuid,
	"subject" text NOT NULL,
	"serial" text NOT NULL,
	"cert_der" "bytea" NOT NULL,
	"key_envelope" text NOT NULL,
	"not_before" timestamp with time zone NOT NULL,
	"not_after" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "certificates_kind" CHECK ("esign"."certificates"."kind" in ('root','issuing','tsa','organisation')),
	CONSTRAINT "certificates_scope" CHECK (("esign"."certificates"."kind" = 'organisation') = ("esign"."certificates"."community_id" is not null))
);
--> statement-breakpoint
CREATE TABLE "esign"."codes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"document_id" uuid NOT NULL,
	"code_hash" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"max_attempts" integer DEFAULT 5 NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"consumed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "codes_attempts" CHECK ("esign"."codes"."attempts" between 0 and "esign"."codes"."max_attempts")
);
--> statement-breakpoint
CREATE TABLE "esign"."documents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"template_id" uuid NOT NULL,
	"template_version" integer NOT NULL,
	"title" text NOT NULL,
	"values" jsonb NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"signer_user_id" uuid NOT NULL,
	"signer_name" text NOT NULL,
	"draft_pdf" "bytea" NOT NULL,
	"draft_sha256" text NOT NULL,
	"signed_pdf" "bytea",
	"signed_sha256" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone,
	"expires_at" timestamp with time zone,
	"signed_at" timestamp with time zone,
	"declined_at" timestamp with time zone,
	"decline_reason" text,
	CONSTRAINT "documents_status" CHECK ("esign"."documents"."status" in ('draft','sent','signed','declined','expired')),
	CONSTRAINT "documents_signed_pdf" CHECK (("esign"."documents"."status" = 'signed') = ("esign"."documents"."signed_pdf" is not null))
);
--> statement-breakpoint
CREATE TABLE "esign"."templates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"name" text NOT NULL,
	"body" text NOT NULL,
	"variables" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"valid_days" integer DEFAULT 14 NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_by" text NOT NULL,
	"updated_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "templates_status" CHECK ("esign"."templates"."status" in ('active','archived')),
	CONSTRAINT "templates_valid_days" CHECK ("esign"."templates"."valid_days" between 1 and 365),
	CONSTRAINT "templates_name" CHECK (length("esign"."templates"."name") between 1 and 200)
);
--> statement-breakpoint
CREATE TABLE "esign"."trail" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"community_id" uuid NOT NULL,
	"document_id" uuid NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"source_ip" text
);
--> statement-breakpoint
ALTER TABLE "esign"."codes" ADD CONSTRAINT "codes_document_id_documents_id_fk" FOREIGN KEY ("document_id") REFERENCES "esign"."documents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "esign"."documents" ADD CONSTRAINT "documents_template_id_templates_id_fk" FOREIGN KEY ("template_id") REFERENCES "esign"."templates"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "esign"."trail" ADD CONSTRAINT "trail_document_id_documents_id_fk" FOREIGN KEY ("document_id") REFERENCES "esign"."documents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "certificates_platform_kind" ON "esign"."certificates" USING btree ("kind") WHERE community_id is null;--> statement-breakpoint
CREATE UNIQUE INDEX "certificates_org" ON "esign"."certificates" USING btree ("community_id","kind") WHERE community_id is not null;--> statement-breakpoint
CREATE INDEX "codes_document_idx" ON "esign"."codes" USING btree ("document_id","created_at");--> statement-breakpoint
CREATE INDEX "documents_community_idx" ON "esign"."documents" USING btree ("community_id","created_at");--> statement-breakpoint
CREATE INDEX "documents_signer_idx" ON "esign"."documents" USING btree ("signer_user_id","created_at");--> statement-breakpoint
CREATE INDEX "templates_community_idx" ON "esign"."templates" USING btree ("community_id");--> statement-breakpoint
CREATE INDEX "trail_document_idx" ON "esign"."trail" USING btree ("document_id","id");