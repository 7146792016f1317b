'use client';

import { VisitorsPage } from '@/components/access/visitors-page';
import { WithCommunity } from '@/components/with-community';

/** 访客邀请: invite a visitor and show the pass QR code; my invitations with revoke. */
export default function ResidentVisitors() {
  return <WithCommunity>{(community) => <VisitorsPage community={community} />}</WithCommunity>;
}
