import { definePlugin } from '@shequ/plugin-sdk';
import { stats } from './dashboard.ts';
import type { Board } from './model.ts';
import {
  hideComment,
  hidePost,
  listAllPosts,
  moderationQueue,
  pinPost,
  restoreComment,
  restorePost,
  savePost,
  unpinPost,
} from './operator.ts';
import { addComment, getPost, listPosts, reportPost } from './resident.ts';

/** The noticeboard's handlers; shequ.plugin.json says who may call each one. */
export const plugin = definePlugin<Board>({
  handlers: {
    listPosts,
    getPost,
    addComment,
    reportPost,
    savePost,
    listAllPosts,
    pinPost,
    unpinPost,
    hidePost,
    restorePost,
    moderationQueue,
    hideComment,
    restoreComment,
    stats,
  },
});
