'use client';

import { PointsView } from '@/components/points/points-view';
import { WithCommunity } from '@/components/with-community';

export default function ResidentPointsPage() {
  return <WithCommunity>{(community) => <PointsView community={community} />}</WithCommunity>;
}
