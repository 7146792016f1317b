import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkManifest } from '@shequ/schemas';
import {
  action,
  dashboardPage,
  definePages,
  definePlugin,
  detailPage,
  field,
  formPage,
  invalidInput,
  listPage,
  notFound,
  PluginError,
  text,
} from './index.ts';

test('PluginError carries the code and bilingual message the sandbox reads', () => {
  const e = new PluginError('CONFLICT', { zh: '已存在', en: 'Already there', fieldErrors: { title: ['taken'] } });
  assert.ok(e instanceof Error);
  assert.deepEqual(
    [e.shequCode, e.code, e.zh, e.en, e.message],
    ['CONFLICT', 'CONFLICT', '已存在', 'Already there', 'Already there'],
  );
  assert.deepEqual(invalidInput({ body: ['empty'] }).fieldErrors, { body: ['empty'] });
  assert.equal(notFound('帖子', 'Post').zh, '帖子不存在');
});

test('definePlugin keeps the handlers and refuses what is not a function', () => {
  const plugin = definePlugin({ handlers: { hello: async () => 'hi' } });
  assert.deepEqual(Object.keys(plugin.handlers), ['hello']);
  assert.throws(() => definePlugin({ handlers: { bad: 'x' as never } }), /handler "bad" is not a function/);
});

test('the page builders give pages the manifest schema accepts', () => {
  const pages = definePages({
    list: listPage({
      audience: 'resident',
      title: text('列表', 'List'),
      menu: true,
      source: 'items',
      columns: [field('title', text('标题', 'Title')), field('at', text('时间', 'Time'), 'datetime')],
      filters: [{ field: 'kind', title: text('类型', 'Kind'), options: [{ value: 'a', label: text('甲', 'A') }] }],
      actions: [action('del', text('删除', 'Delete'), { handler: 'remove' }, { row: true, danger: true })],
      detailPage: 'one',
    }),
    one: detailPage({
      audience: 'resident',
      title: text('详情', 'Detail'),
      source: 'item',
      fields: [field('title', text('标题', 'Title'))],
    }),
    add: formPage({ audience: 'operator', title: text('新增', 'Add'), schema: { type: 'object' }, submit: 'add' }),
    stats: dashboardPage({
      audience: 'operator',
      title: text('概况', 'Overview'),
      source: 'stats',
      cards: [{ field: 'n', title: text('数量', 'Count') }],
      charts: [{ kind: 'bar', field: 'byKind', title: text('按类型', 'By kind') }],
    }),
  });
  assert.deepEqual(pages.add, {
    type: 'form',
    audience: 'operator',
    title: { zh: '新增', en: 'Add' },
    schema: { type: 'object' },
    submit: { handler: 'add' },
  });
  const manifest = {
    id: 'org.test.pages',
    version: '0.1.0',
    name: text('页面', 'Pages'),
    description: text('页面', 'Pages'),
    scenario: 'neighbourhood',
    sdk: '^0.1.0',
    handlers: { items: {}, item: {}, add: {}, stats: {}, remove: {} },
    pages,
  };
  assert.deepEqual(checkManifest(manifest), []);
  const { remove: _r, ...fewer } = manifest.handlers;
  assert.deepEqual(
    checkManifest({ ...manifest, handlers: fewer }).map((p) => p.pointer),
    ['/pages/list/actions/0/handler'],
  );
});
