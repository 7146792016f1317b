ALTER TABLE "plugin"."packages" ALTER COLUMN "manifest" SET DATA TYPE json USING "manifest"::json;
