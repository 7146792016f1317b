-- One transfer in one statement (one round trip): lock both accounts in id order, check the payer's balance against
-- its credit limit, record the transfer (a used idempotency key records nothing and answers 'replay'), move the
-- balances and write the two entries. It runs under the community's row-level security: it narrows the transaction
-- to p_community as shequ_app and puts the caller's role and scope back before it returns.
CREATE FUNCTION points.transfer(
  p_community uuid, p_kind text, p_from uuid, p_to uuid, p_amount bigint, p_reason text,
  p_key text, p_hash text, p_reverses uuid, p_actor text
) RETURNS TABLE (outcome text, transfer_id uuid, created_at timestamptz, from_balance bigint, to_balance bigint)
LANGUAGE plpgsql AS $$
DECLARE
  prev_role text := current_setting('role');
  prev_ids text := coalesce(current_setting('shequ.community_ids', true), '');
  a_balance bigint;
  a_limit bigint;
  b_balance bigint;
  r record;
  n int := 0;
BEGIN
  PERFORM set_config('shequ.community_ids', p_community::text, true), set_config('role', 'shequ_app', true);
  FOR r IN
    SELECT id, balance, credit_limit FROM points.accounts
    WHERE id IN (p_from, p_to) AND community_id = p_community AND kind = p_kind
    ORDER BY id FOR NO KEY UPDATE
  LOOP
    n := n + 1;
    IF r.id = p_from THEN a_balance := r.balance; a_limit := r.credit_limit; ELSE b_balance := r.balance; END IF;
  END LOOP;
  IF n <> 2 THEN
    outcome := 'missing';
  ELSIF a_balance - p_amount + a_limit < 0 THEN
    outcome := 'insufficient'; from_balance := a_balance;
  ELSE
    INSERT INTO points.transfers
      (community_id, kind, from_account, to_account, amount, reason, idempotency_key, request_hash, reverses, created_by)
    VALUES (p_community, p_kind, p_from, p_to, p_amount, p_reason, p_key, p_hash, p_reverses, p_actor)
    ON CONFLICT (community_id, idempotency_key) DO NOTHING
    RETURNING id, transfers.created_at INTO transfer_id, created_at;
    IF transfer_id IS NULL THEN
      outcome := 'replay';
    ELSE
      from_balance := a_balance - p_amount;
      to_balance := b_balance + p_amount;
      UPDATE points.accounts
        SET balance = CASE WHEN id = p_from THEN from_balance ELSE to_balance END, version = version + 1
        WHERE id IN (p_from, p_to);
      INSERT INTO points.entries (transfer_id, account_id, community_id, amount, balance_after)
        VALUES (transfer_id, p_from, p_community, -p_amount, from_balance),
               (transfer_id, p_to, p_community, p_amount, to_balance);
      outcome := 'ok';
    END IF;
  END IF;
  PERFORM set_config('role', prev_role, true), set_config('shequ.community_ids', prev_ids, true);
  RETURN NEXT;
END;
$$;
