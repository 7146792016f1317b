'use client';

import { TimeBankView } from '@/components/points/timebank-view';
import { WithCommunity } from '@/components/with-community';

export default function ResidentTimeBankPage() {
  return <WithCommunity>{(community) => <TimeBankView community={community} />}</WithCommunity>;
}
