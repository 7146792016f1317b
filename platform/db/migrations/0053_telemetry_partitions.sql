-- Raw telemetry becomes PARTITION BY RANGE (time), one partition per community day (Asia/Shanghai, the communityZone of
-- platform/core/src/time.ts), so that retention drops a whole day instead of deleting rows one by one (DB33 7.2.2, raw
-- kept 90 days): at 10k rows/s a day is ~860M rows, which DELETE would churn through the WAL and leave to VACUUM.
-- Days, not months: a month is too coarse for a 90-day window (up to a month kept too long) and too large a table.
-- The key must include the partition key: (time, seq). Nothing references telemetry.seq.
-- A DEFAULT partition keeps rows whose day has no partition (a device clock far in the past): none is ever lost.
ALTER TABLE "iot"."telemetry" RENAME TO "telemetry_unpartitioned";
--> statement-breakpoint
ALTER INDEX "iot"."telemetry_device_time_idx" RENAME TO "telemetry_unpartitioned_device_time_idx";
--> statement-breakpoint
-- Retention no longer deletes by time; the key (time, seq) serves time-range scans in its place.
DROP INDEX IF EXISTS "iot"."telemetry_time_idx";
--> statement-breakpoint
CREATE TABLE "iot"."telemetry" (
	"seq" bigint DEFAULT nextval('iot.telemetry_seq_seq'::regclass) NOT NULL,
	"community_id" uuid NOT NULL,
	"device_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"identifier" text NOT NULL,
	"value" jsonb,
	"time" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "telemetry_time_seq_pk" PRIMARY KEY("time","seq")
) PARTITION BY RANGE ("time");
--> statement-breakpoint
ALTER SEQUENCE "iot"."telemetry_seq_seq" OWNED BY "iot"."telemetry"."seq";
--> statement-breakpoint
CREATE INDEX "telemetry_device_time_idx" ON "iot"."telemetry" USING btree ("device_id","identifier","time");
--> statement-breakpoint
CREATE TABLE "iot"."telemetry_default" PARTITION OF "iot"."telemetry" DEFAULT;
--> statement-breakpoint
-- Same rights and policy as before (0015_iot_security). Scoped work reads and writes through the parent, where the policy
-- applies; partitions are not granted to shequ_app, so nobody scoped can go around the policy by naming one.
GRANT SELECT, INSERT, UPDATE, DELETE ON "iot"."telemetry" TO shequ_app;
--> statement-breakpoint
REVOKE ALL ON "iot"."telemetry_default" FROM shequ_app;
--> statement-breakpoint
ALTER TABLE "iot"."telemetry" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY telemetry_scope ON "iot"."telemetry" USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
-- Adds the partition of one community day if it is missing; answers whether it did. Rows that went to the default
-- partition while the day had none move into it first (ATTACH would refuse otherwise). The advisory lock (shared with
-- retention in platform/iot/src/registry/telemetry-partitions.ts) lets several processes run maintenance at once.
CREATE FUNCTION "iot"."telemetry_add_partition"(day date) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  part text := 'telemetry_p' || to_char(day, 'YYYYMMDD');
  lo timestamptz := day::timestamp AT TIME ZONE 'Asia/Shanghai';
  hi timestamptz := (day + 1)::timestamp AT TIME ZONE 'Asia/Shanghai';
BEGIN
  PERFORM pg_advisory_xact_lock(7331053);
  IF to_regclass(format('iot.%I', part)) IS NOT NULL THEN
    RETURN false;
  END IF;
  EXECUTE format('CREATE TABLE iot.%I (LIKE iot.telemetry INCLUDING DEFAULTS)', part);
  EXECUTE format(
    'WITH moved AS (DELETE FROM iot.telemetry_default WHERE "time" >= $1 AND "time" < $2 RETURNING *) '
    'INSERT INTO iot.%I SELECT * FROM moved', part) USING lo, hi;
  EXECUTE format('ALTER TABLE iot.telemetry ATTACH PARTITION iot.%I FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
  EXECUTE format('REVOKE ALL ON iot.%I FROM shequ_app', part);
  RETURN true;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION "iot"."telemetry_add_partition"(date) FROM PUBLIC;
--> statement-breakpoint
-- Partitions for the days that hold rows (the last three years; older rows go to the default partition, where retention
-- removes them) and for the days around today, then the rows move over with their seq.
SELECT "iot"."telemetry_add_partition"(d)
  FROM (SELECT DISTINCT ("time" AT TIME ZONE 'Asia/Shanghai')::date AS d
          FROM "iot"."telemetry_unpartitioned"
         WHERE "time" >= now() - interval '3 years' AND "time" < now() + interval '3 days'
        UNION
        SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date + i FROM generate_series(-1, 2) AS i) AS days
 ORDER BY d;
--> statement-breakpoint
INSERT INTO "iot"."telemetry" ("seq", "community_id", "device_id", "kind", "identifier", "value", "time", "received_at")
  SELECT "seq", "community_id", "device_id", "kind", "identifier", "value", "time", "received_at"
    FROM "iot"."telemetry_unpartitioned";
--> statement-breakpoint
DROP TABLE "iot"."telemetry_unpartitioned";
