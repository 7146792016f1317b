-- Open-API clients and their nonces are community data under row-level security. Clients are disabled, never deleted
-- by the app role (their key ids stay in the audit log); nonces are pruned once expired.
GRANT SELECT, INSERT, UPDATE ON tenancy.api_clients TO shequ_app;
--> statement-breakpoint
REVOKE DELETE ON tenancy.api_clients FROM shequ_app;
--> statement-breakpoint
GRANT SELECT, INSERT, DELETE ON tenancy.api_nonces TO shequ_app;
--> statement-breakpoint
REVOKE UPDATE ON tenancy.api_nonces FROM shequ_app;
--> statement-breakpoint
ALTER TABLE tenancy.api_clients ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY api_clients_scope ON tenancy.api_clients USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE tenancy.api_nonces ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY api_nonces_scope ON tenancy.api_nonces USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
