-- Reports received from downstream catalogs are evidence of what each one signed: kept as received, never changed or
-- removed. Delivery attempts are a record likewise. The app role (shequ_app) gets no grant on these tables.
CREATE OR REPLACE FUNCTION market.operations_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER downstream_reports_append_only BEFORE UPDATE OR DELETE ON market.downstream_reports FOR EACH ROW EXECUTE FUNCTION market.operations_append_only();
--> statement-breakpoint
CREATE TRIGGER report_deliveries_append_only BEFORE UPDATE OR DELETE ON market.report_deliveries FOR EACH ROW EXECUTE FUNCTION market.operations_append_only();
