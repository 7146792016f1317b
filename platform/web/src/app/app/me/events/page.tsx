'use client';

import { MyEvents } from '@/components/events/my-events';
import { WithCommunity } from '@/components/with-community';

/** 我的事件: the resident's reports and their progress. */
export default function ResidentEvents() {
  return <WithCommunity>{(community) => <MyEvents community={community} />}</WithCommunity>;
}
