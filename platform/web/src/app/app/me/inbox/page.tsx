'use client';

import { InboxView } from '@/components/message/inbox-view';
import { WithCommunity } from '@/components/with-community';

/** 我的消息: the resident's in-app inbox. */
export default function ResidentInbox() {
  return <WithCommunity>{(community) => <InboxView community={community} />}</WithCommunity>;
}
