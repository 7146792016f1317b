// A small repairs app, registered by the suite: residents list and read repair records, staff record them through a
// form (whose schema is looser than the collection's, so the server's field error shows), close them, and see stats.
export const PLUGIN_ID = 'org.e2e.repairs';

const text = (zh: string, en: string) => ({ zh, en });

const status = [
  { value: 'open', label: text('处理中', 'Open') },
  { value: 'done', label: text('已完成', 'Done') },
];

const columns = [
  { field: 'title', title: text('事项', 'Issue') },
  { field: 'building', title: text('楼栋', 'Building'), format: 'number' },
  { field: 'status', title: text('状态', 'Status'), format: 'tag' },
  { field: 'createdAt', title: text('登记时间', 'Recorded'), format: 'datetime' },
];

const fields = [...columns, { field: 'note', title: text('说明', 'Note'), format: 'long-text' }];

export const manifest = {
  id: PLUGIN_ID,
  version: '1.0.0',
  name: text('楼道报修', 'Stair repairs'),
  description: text('登记和跟进楼道设施报修', 'Record and follow up repairs in stairwells'),
  icon: 'repair',
  scenario: 'building',
  sdk: '^0.1.0',
  permissions: { services: { message: ['send'], audit: ['record'] }, data: ['stats:read'] },
  settings: {
    type: 'object',
    additionalProperties: false,
    properties: {
      contact: { type: 'string', title: '物业报修电话', pattern: '^[0-9-]{7,20}$' },
      reminderHours: { type: 'integer', title: '超时提醒（小时）', minimum: 1, maximum: 72, default: 24 },
    },
  },
  collections: {
    repairs: {
      schema: {
        type: 'object',
        required: ['title', 'building', 'status'],
        properties: {
          title: { type: 'string', minLength: 2, maxLength: 40 },
          building: { type: 'integer', minimum: 1, maximum: 30 },
          note: { type: 'string', maxLength: 500 },
          status: { type: 'string', enum: ['open', 'done'] },
        },
      },
    },
  },
  handlers: {
    list: { roles: ['resident', 'operator'] },
    get: { roles: ['resident', 'operator'] },
    create: { roles: ['operator'] },
    close: { roles: ['operator'] },
    stats: { roles: ['operator'] },
  },
  pages: {
    home: {
      type: 'list',
      audience: 'resident',
      menu: true,
      title: text('报修进度', 'Repairs'),
      source: { handler: 'list' },
      columns,
      filters: [{ field: 'status', title: text('状态', 'Status'), options: status }],
      detailPage: 'view',
    },
    view: {
      type: 'detail',
      audience: 'resident',
      title: text('报修详情', 'Repair'),
      source: { handler: 'get' },
      fields,
    },
    board: {
      type: 'list',
      audience: 'operator',
      menu: true,
      title: text('报修台账', 'Repair log'),
      source: { handler: 'list' },
      columns,
      filters: [{ field: 'status', title: text('状态', 'Status'), options: status }],
      actions: [
        { id: 'add', title: text('登记报修', 'Record a repair'), page: 'new' },
        {
          id: 'close',
          title: text('办结', 'Close'),
          handler: 'close',
          row: true,
          confirm: text('确认该报修已处理完毕？', 'Mark this repair as done?'),
        },
      ],
      detailPage: 'item',
    },
    item: {
      type: 'detail',
      audience: 'operator',
      title: text('报修详情', 'Repair'),
      source: { handler: 'get' },
      fields,
    },
    new: {
      type: 'form',
      audience: 'operator',
      menu: true,
      title: text('登记报修', 'Record a repair'),
      // No maximum on the building here: the collection schema is the one that refuses building 99.
      schema: {
        type: 'object',
        required: ['title', 'building'],
        properties: {
          title: { type: 'string', title: '事项' },
          building: { type: 'integer', title: '楼栋' },
          note: { type: 'string', title: '说明' },
        },
      },
      uiSchema: { note: { 'ui:widget': 'textarea' } },
      submit: { handler: 'create', label: text('登记', 'Record'), next: 'board' },
    },
    stats: {
      type: 'dashboard',
      audience: 'operator',
      menu: true,
      title: text('统计', 'Statistics'),
      source: { handler: 'stats' },
      cards: [
        { field: 'open', title: text('处理中', 'Open'), unit: text('件', 'items') },
        { field: 'done', title: text('已完成', 'Done'), unit: text('件', 'items') },
      ],
      charts: [{ kind: 'bar', field: 'byStatus', title: text('按状态', 'By status') }],
    },
  },
};

export const bundle = `globalThis.__shequPlugin = { plugin: { handlers: {
  list: (input, ctx) => ctx.collections.repairs.find(input),
  get: (input, ctx) => ctx.collections.repairs.get(input.id),
  create: (input, ctx) => {
    const record = { title: input.title, building: input.building, status: 'open' };
    if (input.note) record.note = input.note;
    return ctx.collections.repairs.insert(record);
  },
  close: (input, ctx) => ctx.collections.repairs.update(input.id, { status: 'done' }),
  stats: async (input, ctx) => {
    const open = await ctx.collections.repairs.count({ where: { status: 'open' } });
    const done = await ctx.collections.repairs.count({ where: { status: 'done' } });
    return { open, done, byStatus: [{ label: '处理中', value: open }, { label: '已完成', value: done }] };
  },
} } };`;
