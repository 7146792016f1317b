/** The files of a new plugin: small, but a complete loop — a collection, two handlers, two pages and tests. */

/** What a new plugin is called and where its SDK comes from. */
export interface ScaffoldOptions {
  /** Folder name and package name (lower case, dashes). */
  name: string;
  /** Manifest id. */
  id: string;
  /** The `@shequ/plugin-sdk` dependency (a `file:` link to the SDK that created it). */
  sdk: string;
}

/**
 * JSON laid out the way the repository's formatter (Biome) lays it out — objects open, short arrays of scalars on
 * one line — so a plugin created inside the repository passes its lint untouched.
 */
function layout(v: unknown, indent: string): string {
  if (Array.isArray(v)) {
    const inner = `${indent}  `;
    const items = v.map((x) => layout(x, inner));
    const flat = `[${items.join(', ')}]`;
    if (!flat.includes('\n') && indent.length + flat.length <= 80) return flat;
    return `[\n${items.map((x) => inner + x).join(',\n')}\n${indent}]`;
  }
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v);
    if (entries.length === 0) return '{}';
    const inner = `${indent}  `;
    return `{\n${entries.map(([k, x]) => `${inner}${JSON.stringify(k)}: ${layout(x, inner)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(v);
}

const json = (v: unknown) => `${layout(v, '')}\n`;

const manifest = (o: ScaffoldOptions) => ({
  id: o.id,
  version: '0.1.0',
  name: { zh: o.name, en: o.name },
  description: { zh: '一个社区应用', en: 'A community app' },
  scenario: 'neighbourhood',
  sdk: '^0.1.0',
  permissions: { services: { audit: ['record'] } },
  collections: {
    items: {
      title: { zh: '事项', en: 'Items' },
      schema: {
        type: 'object',
        additionalProperties: false,
        required: ['title', 'done'],
        properties: {
          title: { type: 'string', minLength: 1, maxLength: 100 },
          done: { type: 'boolean' },
        },
      },
      indexes: ['done'],
    },
  },
  handlers: {
    listItems: { description: 'Items, newest first', roles: ['resident', 'operator'] },
    addItem: {
      description: 'Adds an item',
      roles: ['operator'],
      input: {
        type: 'object',
        required: ['title'],
        properties: { title: { type: 'string', title: '标题 Title', minLength: 1, maxLength: 100 } },
      },
    },
  },
});

const index = `import { definePlugin } from '@shequ/plugin-sdk';

/** A record of the \`items\` collection, as shequ.plugin.json declares it. */
export interface Item {
  title: string;
  done: boolean;
}

export const plugin = definePlugin<{ items: Item }>({
  handlers: {
    listItems: async (input: { limit?: number; offset?: number }, ctx) =>
      ctx.collections.items.find({ limit: input.limit ?? 20, offset: input.offset ?? 0 }),

    addItem: async (input: { title: string }, ctx) => {
      const item = await ctx.collections.items.insert({ title: input.title.trim(), done: false });
      await ctx.services.audit.record({ action: 'item.added', objectId: item.id });
      return item;
    },
  },
});
`;

const pages = `import { definePages, field, formPage, listPage, text } from '@shequ/plugin-sdk';

export const pages = definePages({
  items: listPage({
    audience: 'resident',
    title: text('事项', 'Items'),
    menu: true,
    source: 'listItems',
    columns: [field('title', text('标题', 'Title')), field('createdAt', text('时间', 'Time'), 'datetime')],
  }),
  'add-item': formPage({
    audience: 'operator',
    title: text('新增事项', 'Add an item'),
    menu: true,
    schema: {
      type: 'object',
      required: ['title'],
      properties: { title: { type: 'string', title: '标题 Title', maxLength: 100 } },
    },
    submit: { handler: 'addItem', label: text('保存', 'Save') },
  }),
});
`;

const test = `import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestHost, type TestHost } from '@shequ/plugin-sdk/testing';

let host: TestHost;
before(async () => {
  host = await createTestHost({
    dir: new URL('..', import.meta.url),
    fixtures: { items: [{ title: '第一件事', done: false }] },
  });
});
after(() => host.close());

test('an operator adds an item and residents see it', async () => {
  await host.call('addItem', { title: '  清理楼道  ' }, { user: 'operator' });
  const list = await host.call<{ items: { title: string }[]; total: number }>('listItems', {});
  assert.equal(list.total, 2);
  assert.equal(list.items[0].title, '清理楼道');
  assert.deepEqual(
    host.calls.map((c) => \`\${c.service}.\${c.action}\`),
    ['audit.record'],
  );
});

test('residents may not add items, and an empty title is refused', async () => {
  await assert.rejects(host.call('addItem', { title: 'x' }, { user: 'resident' }), { code: 'FORBIDDEN' });
  await assert.rejects(host.call('addItem', { title: '' }, { user: 'operator' }), { code: 'INVALID_INPUT' });
});
`;

const readme = (o: ScaffoldOptions) => `# ${o.name}

A Shequ community app (\`${o.id}\`), made with \`shequ-plugin new\`.

- \`shequ.plugin.json\` — the manifest: collections, handlers and who may call them, permissions.
- \`src/index.ts\` — the handlers (\`definePlugin\`), run in the platform's sandbox.
- \`src/pages.ts\` — the pages the platform renders (\`listPage\`, \`formPage\`, …), merged into the manifest on build.
- \`test/\` — tests running the handlers in the real sandbox with a fake host (\`createTestHost\`).

\`\`\`sh
npx shequ-plugin validate   # manifest, pages and exported handlers
npx shequ-plugin test       # build, then run test/*.test.ts
npx shequ-plugin pack       # dist/${o.id}-0.1.0.shequ
\`\`\`
`;

const tsconfig = {
  compilerOptions: {
    target: 'ES2024',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noEmit: true,
    allowImportingTsExtensions: true,
    erasableSyntaxOnly: true,
    verbatimModuleSyntax: true,
    skipLibCheck: true,
  },
  include: ['src/**/*.ts', 'test/**/*.ts'],
};

/** The files of a new plugin folder by relative path. */
export function scaffoldFiles(o: ScaffoldOptions): Record<string, string> {
  return {
    'shequ.plugin.json': json(manifest(o)),
    'src/index.ts': index,
    'src/pages.ts': pages,
    'test/plugin.test.ts': test,
    'package.json': json({
      name: o.name,
      version: '0.1.0',
      private: true,
      type: 'module',
      scripts: {
        validate: 'shequ-plugin validate',
        build: 'shequ-plugin build',
        test: 'shequ-plugin test',
        pack: 'shequ-plugin pack',
      },
      dependencies: { '@shequ/plugin-sdk': o.sdk },
    }),
    'tsconfig.json': json(tsconfig),
    'README.md': readme(o),
    '.gitignore': 'dist/\nnode_modules/\n*.key\n',
  };
}
