'use client';

import { MyApps } from '@/components/apps/my-apps';
import { EventsEntry } from '@/components/events/events-entry';
import { HouseholdEntry } from '@/components/household/household-entry';
import { PointsEntry } from '@/components/points/points-entry';
import { WithCommunity } from '@/components/with-community';

/** The resident's home: her household and her points at a tap, then the apps the community has enabled, by scenario. */
export default function ResidentHome() {
  return (
    <WithCommunity>
      {(community) => (
        <>
          <HouseholdEntry testId="home-household-link" />
          <PointsEntry community={community} testId="home-points-link" />
          <EventsEntry testId="home-events-link" />
          <MyApps community={community} />
        </>
      )}
    </WithCommunity>
  );
}
