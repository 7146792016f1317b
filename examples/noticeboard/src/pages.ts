import { action, dashboardPage, definePages, detailPage, field, formPage, listPage, text } from '@shequ/plugin-sdk';
import { categories, statuses } from './model.ts';

const categoryOptions = Object.entries(categories).map(([value, label]) => ({ value, label }));
const statusOptions = Object.entries(statuses).map(([value, label]) => ({ value, label }));
const categoryEnum = {
  type: 'string',
  title: '分类 Category',
  oneOf: Object.entries(categories).map(([value, t]) => ({ const: value, title: `${t.zh} ${t.en}` })),
};

/** Residents read and comment; staff publish, pin, moderate and watch the figures. */
export const pages = definePages({
  board: listPage({
    audience: 'resident',
    title: text('邻里公告', 'Noticeboard'),
    menu: true,
    source: 'listPosts',
    columns: [
      field('title', text('标题', 'Title')),
      field('category', text('分类', 'Category'), 'tag'),
      field('pinned', text('置顶', 'Pinned'), 'boolean'),
      field('authorName', text('发布者', 'Posted by')),
      field('createdAt', text('发布时间', 'Posted'), 'datetime'),
    ],
    filters: [{ field: 'category', title: text('分类', 'Category'), options: categoryOptions }],
    detailPage: 'post',
  }),
  post: detailPage({
    audience: 'resident',
    title: text('公告详情', 'Post'),
    source: 'getPost',
    fields: [
      field('title', text('标题', 'Title')),
      field('category', text('分类', 'Category'), 'tag'),
      field('authorName', text('发布者', 'Posted by')),
      field('createdAt', text('发布时间', 'Posted'), 'datetime'),
      field('body', text('正文', 'Text'), 'long-text'),
      field('commentCount', text('评论数', 'Comments'), 'number'),
    ],
    actions: [
      action('comment', text('我要评论', 'Comment'), { page: 'comment' }),
      action('report', text('举报', 'Report'), { page: 'report' }),
    ],
  }),
  report: formPage({
    audience: 'resident',
    title: text('举报不当内容', 'Report this post'),
    schema: {
      type: 'object',
      required: ['reason'],
      properties: {
        reason: { type: 'string', title: '举报原因 Why', minLength: 2, maxLength: 500 },
      },
    },
    uiSchema: { reason: { 'ui:widget': 'textarea', 'ui:placeholder': '例如：虚假广告、人身攻击' } },
    submit: { handler: 'reportPost', label: text('提交举报', 'Report'), next: 'board' },
  }),
  comment: formPage({
    audience: 'resident',
    title: text('发表评论', 'Write a comment'),
    schema: {
      type: 'object',
      required: ['body'],
      properties: {
        body: { type: 'string', title: '评论内容 Comment', minLength: 1, maxLength: 500 },
        authorName: { type: 'string', title: '署名（选填） Signed as (optional)', maxLength: 40 },
      },
    },
    uiSchema: {
      body: { 'ui:widget': 'textarea', 'ui:placeholder': '文明发言，友善交流' },
    },
    submit: { handler: 'addComment', label: text('发表', 'Post comment'), next: 'board' },
  }),
  manage: listPage({
    audience: 'operator',
    title: text('公告管理', 'Manage posts'),
    menu: true,
    source: 'listAllPosts',
    columns: [
      field('title', text('标题', 'Title')),
      field('category', text('分类', 'Category'), 'tag'),
      field('status', text('状态', 'Status'), 'tag'),
      field('pinned', text('置顶', 'Pinned'), 'boolean'),
      field('updatedAt', text('更新时间', 'Updated'), 'datetime'),
    ],
    filters: [
      { field: 'status', title: text('状态', 'Status'), options: statusOptions },
      { field: 'category', title: text('分类', 'Category'), options: categoryOptions },
    ],
    actions: [
      action('new', text('发布公告', 'New post'), { page: 'post-form' }),
      action('pin', text('置顶', 'Pin'), { handler: 'pinPost' }, { row: true }),
      action('unpin', text('取消置顶', 'Unpin'), { handler: 'unpinPost' }, { row: true }),
      action(
        'hide',
        text('隐藏', 'Hide'),
        { handler: 'hidePost' },
        {
          row: true,
          danger: true,
          confirm: text('隐藏后居民将看不到这条公告，确定吗？', 'Residents will no longer see this post. Hide it?'),
        },
      ),
      action('restore', text('恢复', 'Restore'), { handler: 'restorePost' }, { row: true }),
    ],
    detailPage: 'post-admin',
  }),
  'post-admin': detailPage({
    audience: 'operator',
    title: text('公告详情', 'Post'),
    source: 'getPost',
    fields: [
      field('title', text('标题', 'Title')),
      field('status', text('状态', 'Status'), 'tag'),
      field('hiddenReason', text('隐藏原因', 'Why hidden')),
      field('pinned', text('置顶', 'Pinned'), 'boolean'),
      field('body', text('正文', 'Text'), 'long-text'),
      field('commentCount', text('评论数', 'Comments'), 'number'),
    ],
    actions: [
      action('hide', text('隐藏', 'Hide'), { handler: 'hidePost' }, { danger: true }),
      action('restore', text('恢复', 'Restore'), { handler: 'restorePost' }),
    ],
  }),
  'post-form': formPage({
    audience: 'operator',
    title: text('发布公告', 'New post'),
    schema: {
      type: 'object',
      required: ['title', 'body', 'category'],
      properties: {
        title: { type: 'string', title: '标题 Title', minLength: 1, maxLength: 60 },
        category: categoryEnum,
        body: { type: 'string', title: '正文 Text', minLength: 1, maxLength: 5000 },
        pinned: { type: 'boolean', title: '置顶 Pin to the top', default: false },
        authorName: { type: 'string', title: '发布单位 Posted by', maxLength: 40, default: '社区居委会' },
      },
    },
    uiSchema: { body: { 'ui:widget': 'textarea' } },
    submit: { handler: 'savePost', label: text('发布', 'Publish'), next: 'manage' },
  }),
  moderation: listPage({
    audience: 'operator',
    title: text('评论审核', 'Moderation'),
    menu: true,
    source: 'moderationQueue',
    columns: [
      field('body', text('评论内容', 'Comment'), 'long-text'),
      field('postTitle', text('所属公告', 'On post')),
      field('authorName', text('评论人', 'By')),
      field('status', text('状态', 'Status'), 'tag'),
      field('createdAt', text('时间', 'Time'), 'datetime'),
    ],
    filters: [{ field: 'status', title: text('状态', 'Status'), options: statusOptions }],
    actions: [
      action(
        'hide',
        text('隐藏', 'Hide'),
        { handler: 'hideComment' },
        {
          row: true,
          danger: true,
          confirm: text('隐藏这条评论并通知评论人？', 'Hide this comment and tell its author?'),
        },
      ),
      action('restore', text('恢复', 'Restore'), { handler: 'restoreComment' }, { row: true }),
    ],
  }),
  dashboard: dashboardPage({
    audience: 'operator',
    title: text('公告板概况', 'Noticeboard overview'),
    menu: true,
    source: 'stats',
    cards: [
      { field: 'visiblePosts', title: text('公开公告', 'Visible posts'), unit: text('条', 'posts') },
      { field: 'pinnedPosts', title: text('置顶公告', 'Pinned posts'), unit: text('条', 'posts') },
      { field: 'totalComments', title: text('评论总数', 'Comments'), unit: text('条', 'comments') },
      { field: 'hiddenComments', title: text('已隐藏评论', 'Hidden comments'), unit: text('条', 'comments') },
    ],
    charts: [
      { kind: 'bar', field: 'byCategory', title: text('各分类公告数', 'Posts by category') },
      { kind: 'pie', field: 'byStatus', title: text('公告状态', 'Posts by status') },
      { kind: 'pie', field: 'commentsByStatus', title: text('评论状态', 'Comments by status') },
    ],
  }),
});
