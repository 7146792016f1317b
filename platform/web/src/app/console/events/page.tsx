'use client';

import { EventDesk } from '@/components/events/event-desk';
import { WithCommunity } from '@/components/with-community';

/** 事件工单: the community's event desk (dispatch, transitions, SLA board). */
export default function ConsoleEvents() {
  return <WithCommunity>{(community) => <EventDesk community={community} />}</WithCommunity>;
}
