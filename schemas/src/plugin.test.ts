import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkManifest, formatProblem, type PluginManifest } from './index.ts';

const good = (): PluginManifest => ({
  id: 'org.example.board',
  version: '1.0.0',
  name: { zh: '公告栏', en: 'Noticeboard' },
  description: { zh: '社区公告', en: 'Community notices' },
  scenario: 'neighbourhood',
  sdk: '^0.1.0',
  permissions: { services: { message: ['send'] }, data: ['stats:read'] },
  collections: {
    posts: {
      schema: { type: 'object', required: ['title'], properties: { title: { type: 'string' } } },
      indexes: ['title'],
    },
  },
  handlers: { listPosts: { roles: ['resident'] }, createPost: { roles: ['operator'] } },
  pages: {
    home: {
      type: 'list',
      audience: 'resident',
      title: { zh: '公告', en: 'Notices' },
      source: { handler: 'listPosts' },
      columns: [{ field: 'title', title: { zh: '标题', en: 'Title' } }],
    },
    new: {
      type: 'form',
      audience: 'operator',
      title: { zh: '发布', en: 'Post' },
      schema: { type: 'object', properties: { title: { type: 'string' } } },
      submit: { handler: 'createPost', next: 'home' },
    },
  },
});

test('a complete manifest is valid', () => {
  assert.deepEqual(checkManifest(good()), []);
});

test('unknown fields are refused, naming the file and the pointer', () => {
  const m = { ...good(), colour: 'red' };
  (m.pages as Record<string, unknown>).home = { ...(m.pages?.home as object), extra: true };
  const problems = checkManifest(m, 'plugins/x/shequ.plugin.json').map(formatProblem);
  assert.ok(problems.includes('plugins/x/shequ.plugin.json#/colour: unknown field "colour"'), problems.join('\n'));
  assert.ok(
    problems.includes('plugins/x/shequ.plugin.json#/pages/home/extra: unknown field "extra"'),
    problems.join('\n'),
  );
});

test('a service or scope that does not exist is named', () => {
  const m = good();
  m.permissions = { services: { teleport: ['go'], message: ['shout'] }, data: ['secrets:read'] };
  const problems = checkManifest(m).map((p) => `${p.pointer} ${p.message}`);
  assert.ok(
    problems.some((p) => p.startsWith('/permissions/services/teleport unknown service "teleport"')),
    problems.join('\n'),
  );
  assert.ok(problems.includes('/permissions/services/message/0 service "message" has no action "shout"'));
  assert.ok(problems.some((p) => p.startsWith('/permissions/data/0 unknown data scope "secrets:read"')));
});

test('a page that references a missing handler or page is refused', () => {
  const m = good();
  if (m.pages?.new?.type === 'form') m.pages.new.submit = { handler: 'nope', next: 'gone' };
  const problems = checkManifest(m).map((p) => `${p.pointer} ${p.message}`);
  assert.deepEqual(problems, [
    '/pages/new/submit/handler handler "nope" is not declared in /handlers',
    '/pages/new/submit/next page "gone" is not declared in /pages',
  ]);
});

test('a page of the wrong shape names what is missing', () => {
  const m = good() as unknown as { pages: Record<string, unknown> };
  m.pages.home = { type: 'list', audience: 'resident', title: { zh: '公告', en: 'Notices' } };
  const problems = checkManifest(m).map((p) => `${p.pointer} ${p.message}`);
  assert.ok(problems.includes("/pages/home must have required property 'source'"), problems.join('\n'));
  assert.ok(problems.includes("/pages/home must have required property 'columns'"), problems.join('\n'));
});

test('author schemas must be valid JSON Schema and indexes must name fields', () => {
  const m = good();
  m.collections = { posts: { schema: { type: 'objekt' }, indexes: ['missing'] } };
  const problems = checkManifest(m).map((p) => p.pointer);
  assert.deepEqual(problems, ['/collections/posts/schema', '/collections/posts/indexes/0']);
});

test('version and sdk range are checked', () => {
  assert.deepEqual(
    checkManifest({ ...good(), version: '1.0' }).map((p) => p.pointer),
    ['/version'],
  );
  assert.deepEqual(
    checkManifest({ ...good(), sdk: 'whenever' }).map((p) => p.pointer),
    ['/sdk'],
  );
});
