import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestHost, type TestHost, testUsers } from '@shequ/plugin-sdk/testing';

const dir = new URL('..', import.meta.url);
const ids = {
  water: '00000000-0000-4000-8000-000000000101',
  market: '00000000-0000-4000-8000-000000000102',
  spam: '00000000-0000-4000-8000-000000000103',
  kind: '00000000-0000-4000-8000-000000000201',
  rude: '00000000-0000-4000-8000-000000000202',
};
const neighbour = '00000000-0000-4000-8000-0000000000a2';

const fixtures = {
  posts: [
    {
      id: ids.water,
      title: '周三上午停水通知',
      body: '因管网检修，3 号楼至 6 号楼周三 9:00–12:00 停水，请提前储水。',
      category: 'notice',
      pinned: false,
      status: 'visible',
      authorName: '物业服务中心',
      createdAt: '2026-11-01T08:00:00.000Z',
    },
    {
      id: ids.market,
      title: '周末跳蚤市场',
      body: '周六下午中心广场，欢迎带上闲置物品。',
      category: 'event',
      pinned: true,
      status: 'visible',
      authorName: '社区居委会',
      createdAt: '2026-10-20T08:00:00.000Z',
    },
    {
      id: ids.spam,
      title: '高价回收',
      body: '广告',
      category: 'other',
      pinned: false,
      status: 'hidden',
      authorName: '某公司',
      hiddenReason: '广告',
      createdAt: '2026-11-02T08:00:00.000Z',
    },
  ],
  comments: [
    {
      id: ids.kind,
      postId: ids.water,
      body: '收到，谢谢提醒！',
      status: 'visible',
      authorName: '3 号楼王阿姨',
      authorId: neighbour,
      createdAt: '2026-11-01T09:00:00.000Z',
    },
    {
      id: ids.rude,
      postId: ids.water,
      body: '又停水？？？',
      status: 'visible',
      authorName: '匿名',
      authorId: neighbour,
      createdAt: '2026-11-01T10:00:00.000Z',
    },
  ],
};

type Page<T> = { items: T[]; total: number };
type Post = { id: string; title: string; pinned: boolean; status: string; comments?: Comment[]; commentCount?: number };
type Comment = { id: string; body: string; status: string; authorName: string; postTitle?: string };

describe('noticeboard', () => {
  let host: TestHost;
  before(async () => {
    host = await createTestHost({ dir, fixtures });
  });
  after(() => host.close());

  test('residents see visible posts, pinned first, and can filter by category', async () => {
    const list = await host.call<Page<Post>>('listPosts', {});
    assert.deepEqual(
      list.items.map((p) => p.title),
      ['周末跳蚤市场', '周三上午停水通知'],
    );
    assert.equal(list.total, 2);
    const events = await host.call<Page<Post>>('listPosts', { where: { category: 'event' } });
    assert.deepEqual(
      events.items.map((p) => p.id),
      [ids.market],
    );
  });

  test('a post comes with its visible comments; a hidden post is not found for residents', async () => {
    const post = await host.call<Post>('getPost', { id: ids.water });
    assert.equal(post.commentCount, 2);
    assert.deepEqual(
      post.comments?.map((c) => c.body),
      ['收到，谢谢提醒！', '又停水？？？'],
    );
    await assert.rejects(host.call('getPost', { id: ids.spam }), { code: 'NOT_FOUND' });
    const asStaff = await host.call<Post>('getPost', { id: ids.spam }, { user: 'operator' });
    assert.equal(asStaff.status, 'hidden');
  });

  test('a resident reports a post: one event on the desk per resident and post; a blank reason is refused', async () => {
    const first = await host.call<{ eventId: string; state: string }>('reportPost', {
      id: ids.water,
      reason: '内容与实际停水时间不符',
    });
    assert.equal(first.state, 'reported');
    const again = await host.call<{ eventId: string }>('reportPost', { postId: ids.water, reason: '再次举报' });
    assert.equal(again.eventId, first.eventId, 'the same resident reporting the same post again opens no second event');
    const reported = host.calls.filter((c) => c.service === 'events' && c.action === 'report');
    assert.equal(reported.length, 2);
    const args = reported[0].args as { type: string; title: string; description: string };
    assert.deepEqual(
      [args.type, args.title, args.description],
      ['neighbourhood.report', '公告板举报：周三上午停水通知', '内容与实际停水时间不符'],
    );
    await assert.rejects(
      host.call('reportPost', { id: ids.water, reason: ' ' }),
      (e: { code: string; fieldErrors?: object }) => e.code === 'INVALID_INPUT' && 'reason' in (e.fieldErrors ?? {}),
    );
    await assert.rejects(host.call('reportPost', { id: ids.spam, reason: '广告' }), { code: 'NOT_FOUND' });
  });

  test('a resident comments; empty, oversize and misplaced comments are refused', async () => {
    const c = await host.call<Comment & { authorId: string }>('addComment', {
      postId: ids.water,
      body: '  已经储好水了  ',
    });
    assert.equal(c.body, '已经储好水了');
    assert.equal(c.authorName, '热心邻居');
    assert.equal(c.authorId, testUsers.resident.id);
    // The page's id works as the post too (a form opened from the post's page).
    await host.call('addComment', { id: ids.market, body: '一定去', authorName: '5 号楼小李' });
    await assert.rejects(
      host.call('addComment', { postId: ids.water, body: '   ' }),
      (e: { code: string; fieldErrors?: object }) => {
        assert.equal(e.code, 'INVALID_INPUT');
        assert.ok(e.fieldErrors && 'body' in e.fieldErrors);
        return true;
      },
    );
    // A write that breaks the collection schema is refused by the platform, naming the field.
    await assert.rejects(
      host.call('addComment', { postId: ids.water, body: '长'.repeat(501) }),
      (e: { code: string; fieldErrors?: Record<string, string[]> }) =>
        e.code === 'INVALID_INPUT' && /500/.test(String(e.fieldErrors?.body)),
    );
    await assert.rejects(host.call('addComment', { postId: ids.spam, body: '看看' }), { code: 'NOT_FOUND' });
    await assert.rejects(host.call('addComment', { postId: ids.water, body: 'x' }, { user: 'operator' }), {
      code: 'FORBIDDEN',
    });
    assert.equal(host.records('comments').length, 4);
  });

  test('staff publish a post, announced on the bus; residents may not', async () => {
    const post = await host.call<Post>(
      'savePost',
      { title: '垃圾分类宣传周', body: '本周起每晚 7 点在 2 号门有志愿者指导分类。', category: 'event', pinned: true },
      { user: 'operator' },
    );
    assert.equal(post.status, 'visible');
    assert.deepEqual(host.events.at(-1), {
      event: 'post.published',
      payload: { postId: post.id, title: '垃圾分类宣传周', category: 'event' },
    });
    const edited = await host.call<Post>(
      'savePost',
      { id: post.id, title: '垃圾分类宣传周（延长一周）', body: '延长至下周日。', category: 'event' },
      { user: 'operator' },
    );
    assert.equal(edited.title, '垃圾分类宣传周（延长一周）');
    assert.equal(edited.pinned, true);
    await assert.rejects(host.call('savePost', { title: 'x', body: 'y', category: 'notice' }), { code: 'FORBIDDEN' });
    await assert.rejects(host.call('savePost', { title: 'x' }, { user: 'operator' }), { code: 'INVALID_INPUT' });
  });

  test('a write breaking the posts schema is refused with field errors and stores nothing', async () => {
    const before = host.records('posts').length;
    await assert.rejects(
      host.call('savePost', { title: '标'.repeat(61), body: '正文', category: 'gossip' }, { user: 'operator' }),
      (e: { code: string; fieldErrors?: Record<string, string[]> }) =>
        e.code === 'INVALID_INPUT' && !!e.fieldErrors?.title && !!e.fieldErrors?.category,
    );
    assert.equal(host.records('posts').length, before);
  });

  test('staff pin, hide and restore posts, each recorded in the audit log', async () => {
    await host.call('unpinPost', { id: ids.market }, { user: 'operator' });
    await host.call('pinPost', { id: ids.water }, { user: 'operator' });
    const list = await host.call<Page<Post>>('listPosts', { where: { category: 'notice' } });
    assert.equal(list.items[0].pinned, true);
    await host.call('hidePost', { id: ids.water, reason: '内容过期' }, { user: 'operator' });
    await assert.rejects(host.call('getPost', { id: ids.water }), { code: 'NOT_FOUND' });
    await host.call('restorePost', { id: ids.water }, { user: 'operator' });
    const back = host.records('posts').find((p) => p.id === ids.water);
    assert.equal(back?.status, 'visible');
    assert.equal(back?.hiddenReason, undefined);
    const audited = host.calls.filter((c) => c.service === 'audit').map((c) => (c.args as { action: string }).action);
    assert.deepEqual(audited.slice(-2), ['post.hidden', 'post.restored']);
    await assert.rejects(host.call('pinPost', { id: '00000000-0000-4000-8000-000000000999' }, { user: 'operator' }), {
      code: 'NOT_FOUND',
    });
  });

  test('moderation lists comments with their post, hides one telling its author, and restores it', async () => {
    const queue = await host.call<Page<Comment>>('moderationQueue', {}, { user: 'operator' });
    assert.ok(queue.total >= 2);
    assert.equal(queue.items.find((c) => c.id === ids.rude)?.postTitle, '周三上午停水通知');
    await host.call('hideComment', { id: ids.rude, reason: '语气不友善' }, { user: 'operator' });
    const message = host.calls.find((c) => c.service === 'message');
    assert.ok(message, 'a message was sent');
    const args = message.args as { userId: string; text: { zh: string } };
    assert.equal(args.userId, neighbour);
    assert.match(args.text.zh, /语气不友善/);
    const post = await host.call<Post>('getPost', { id: ids.water });
    assert.ok(!post.comments?.some((c) => c.id === ids.rude));
    const hidden = await host.call<Page<Comment>>(
      'moderationQueue',
      { where: { status: 'hidden' } },
      { user: 'operator' },
    );
    assert.deepEqual(
      hidden.items.map((c) => c.id),
      [ids.rude],
    );
    await host.call('restoreComment', { id: ids.rude }, { user: 'operator' });
    assert.equal(host.records('comments').find((c) => c.id === ids.rude)?.status, 'visible');
  });

  test('the dashboard counts posts by category and status as chart series', async () => {
    const s = await host.call<Record<string, unknown>>('stats', {}, { user: 'operator' });
    assert.equal(s.totalPosts, 4);
    assert.equal(s.hiddenPosts, 1);
    assert.deepEqual((s.byCategory as { label: string; value: number }[]).slice(0, 2), [
      { label: '通知公告', value: 1 },
      { label: '社区活动', value: 2 },
    ]);
    assert.deepEqual(s.byStatus, [
      { label: '公开', value: 3 },
      { label: '已隐藏', value: 1 },
    ]);
    await assert.rejects(host.call('stats', {}), { code: 'FORBIDDEN' });
  });
});

test("chart labels follow the caller's locale", async () => {
  const host = await createTestHost({ dir, fixtures, locale: 'en' });
  try {
    const s = await host.call<{ byStatus: unknown }>('stats', {}, { user: 'operator' });
    assert.deepEqual(s.byStatus, [
      { label: 'Visible', value: 2 },
      { label: 'Hidden', value: 1 },
    ]);
  } finally {
    await host.close();
  }
});

test('without the message grant, hiding a comment fails and leaves it visible', async () => {
  const host = await createTestHost({ dir, fixtures, grants: { services: { audit: ['record'] } } });
  try {
    await assert.rejects(
      host.call('hideComment', { id: ids.rude }, { user: 'operator' }),
      (e: { code: string; message: string }) => {
        assert.equal(e.code, 'PLUGIN_FAILED');
        assert.match(e.message, /org\.shequ\.noticeboard@1\.0\.0/);
        return true;
      },
    );
    assert.equal(host.records('comments').find((c) => c.id === ids.rude)?.status, 'visible');
    assert.equal(host.audit.find((a) => a.result === 'denied')?.objectId, 'services.call:message.send');
  } finally {
    await host.close();
  }
});
