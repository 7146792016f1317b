import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { canonicalQuery, signOpenApiRequest } from './signing.ts';

test('the canonical query sorts pairs by name then value and percent-encodes them (RFC 3986)', () => {
  assert.equal(canonicalQuery(''), '');
  assert.equal(canonicalQuery('?b=2&a=z&a=y'), 'a=y&a=z&b=2');
  assert.equal(canonicalQuery('compound=%E7%A4%BA%E8%8C%83&x=a+b'), 'compound=%E7%A4%BA%E8%8C%83&x=a%20b');
  assert.equal(canonicalQuery("q=it's(*)!"), 'q=it%27s%28%2A%29%21');
});

test('the README curl + openssl recipe computes the same signature as signOpenApiRequest', () => {
  const body = JSON.stringify({ name: '张三', room: '301' });
  const h = signOpenApiRequest({
    keyId: 'sqk_test',
    secret: 'secret-of-the-client',
    method: 'POST',
    url: '/open/v1/people/tenants',
    body,
    timestamp: 1764400000000,
    nonce: '0123456789abcdef0123',
  });
  const script = `HASH=$(printf '%s' "$BODY" | openssl dgst -sha256 -hex | sed 's/^.* //')
printf 'POST\\n/open/v1/people/tenants\\n\\n%s\\n%s\\n%s' "$TS" "$NONCE" "$HASH" | openssl dgst -sha256 -hmac "$SECRET" -hex | sed 's/^.* //'`;
  const sig = execFileSync('bash', ['-c', script], {
    env: {
      ...process.env,
      BODY: body,
      TS: '1764400000000',
      NONCE: '0123456789abcdef0123',
      SECRET: 'secret-of-the-client',
    },
  })
    .toString()
    .trim();
  assert.equal(sig, h['X-Shequ-Signature']);
  assert.equal(h['X-Shequ-Timestamp'], '1764400000000');
});
