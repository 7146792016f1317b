-- Handler metrics are community data like plugin.installs: the app role reads and writes them under row-level
-- security by community (operators' queries run community-scoped); the host's batched flush runs platform-scoped.
GRANT SELECT, INSERT, UPDATE ON plugin.handler_metrics TO shequ_app;
--> statement-breakpoint
ALTER TABLE plugin.handler_metrics ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY handler_metrics_scope ON plugin.handler_metrics USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
-- Rollouts are platform-wide marketplace records (like kills): written only by platform-scoped work after the
-- service checked the operator's jurisdiction over every community in them; the app role may read them.
GRANT SELECT ON market.rollouts, market.rollout_communities TO shequ_app;
