'use client';

import { MyApps } from '@/components/apps/my-apps';
import { WithCommunity } from '@/components/with-community';

/** The resident's home: the apps the community has enabled, by scenario. */
export default function ResidentHome() {
  return <WithCommunity>{(community) => <MyApps community={community} />}</WithCommunity>;
}
