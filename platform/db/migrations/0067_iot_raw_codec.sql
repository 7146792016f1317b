ALTER TABLE "iot"."devices" ADD COLUMN "dev_eui" text;--> statement-breakpoint
ALTER TABLE "iot"."products" ADD COLUMN "codec_script" text;--> statement-breakpoint
ALTER TABLE "iot"."devices" ADD CONSTRAINT "devices_dev_eui_uq" UNIQUE("dev_eui");--> statement-breakpoint
ALTER TABLE "iot"."devices" ADD CONSTRAINT "devices_dev_eui_check" CHECK ("iot"."devices"."dev_eui" ~ '^[0-9a-f]{16}$');