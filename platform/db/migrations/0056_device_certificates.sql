CREATE TABLE "iot"."device_certificates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"community_id" uuid NOT NULL,
	"device_id" uuid NOT NULL,
	"serial" text NOT NULL,
	"fingerprint" text NOT NULL,
	"subject" text NOT NULL,
	"cert_der" "bytea" NOT NULL,
	"key_source" text NOT NULL,
	"not_before" timestamp with time zone NOT NULL,
	"not_after" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	"revoked_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	CONSTRAINT "device_certificates_serial_unique" UNIQUE("serial"),
	CONSTRAINT "device_certificates_fingerprint_unique" UNIQUE("fingerprint"),
	CONSTRAINT "device_certificates_key_source_check" CHECK ("iot"."device_certificates"."key_source" in ('platform','csr'))
);
--> statement-breakpoint
ALTER TABLE "esign"."certificates" DROP CONSTRAINT "certificates_kind";--> statement-breakpoint
ALTER TABLE "iot"."devices" ADD COLUMN "require_certificate" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX "device_certificates_device_idx" ON "iot"."device_certificates" USING btree ("device_id","created_at");--> statement-breakpoint
ALTER TABLE "esign"."certificates" ADD CONSTRAINT "certificates_kind" CHECK ("esign"."certificates"."kind" in ('root','issuing','tsa','organisation','device_ca'));