-- Every event in the outbox, one row each, whether it was enqueued alone or packed with its batch: what operators
-- and tests read to see what went (or will go) on the bus. `pos` is the event's place in its packed row (0 alone).
CREATE VIEW bus.outbox_events AS
  SELECT o.seq, 0::bigint AS pos, o.id, o.subject, o.community_id, o.data, o.created_at, o.published_at
    FROM bus.outbox o
   WHERE NOT o.packed
  UNION ALL
  SELECT o.seq, e.pos, (e.ev->>'id')::uuid, e.ev->>'subject', (e.ev->>'communityId')::uuid, e.ev->'data',
         o.created_at, o.published_at
    FROM bus.outbox o
   CROSS JOIN LATERAL jsonb_array_elements(o.data) WITH ORDINALITY AS e(ev, pos)
   WHERE o.packed;
