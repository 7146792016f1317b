-- A community's LoRaWAN network-server connection is community data under row-level security (the schema's default
-- privileges already grant SELECT, INSERT, UPDATE, DELETE: a connection is removed outright, its audit records stay).
ALTER TABLE iot.network_servers ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY network_servers_scope ON iot.network_servers USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
