-- The scope test compared community_id::text with the setting's strings, OR'ed with a scope-all flag: the cast hid
-- the column from indexes and the OR from the planner's estimates, so filtered lists sorted whole communities.
-- Now it is one uuid = ANY(uuid[]) test (an index condition, and leakproof). Platform-wide work no longer goes
-- through row-level security at all: withScope runs it as the connecting role (see platform/db/src/scope.ts).
CREATE OR REPLACE FUNCTION shequ_in_scope(community uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT community = ANY (string_to_array(nullif(current_setting('shequ.community_ids', true), ''), ',')::uuid[])
$$;
