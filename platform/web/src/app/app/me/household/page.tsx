'use client';

import { HouseholdView } from '@/components/household/household-view';
import { WithCommunity } from '@/components/with-community';

/** 我的家庭: the resident's homes, household members, vehicles and her own consents. */
export default function ResidentHousehold() {
  return <WithCommunity>{(community) => <HouseholdView community={community} />}</WithCommunity>;
}
