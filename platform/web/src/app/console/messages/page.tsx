'use client';

import { MessagesConsole } from '@/components/message/messages-console';
import { PageHeading } from '@/components/page-heading';
import { WithCommunity } from '@/components/with-community';

export default function MessagesPage() {
  return (
    <>
      <PageHeading titleKey="nav.messages" />
      <WithCommunity>{(community) => <MessagesConsole community={community} />}</WithCommunity>
    </>
  );
}
