'use client';

import { useParams } from 'next/navigation';
import { Suspense } from 'react';
import { AppHost } from '@/components/apps/app-host';
import { WithCommunity } from '@/components/with-community';

/** The route body of an app page for one side (`/app/apps/…` residents, `/console/apps/…` staff). */
export function AppRoute({ audience }: { audience: 'resident' | 'operator' }) {
  const params = useParams<{ pluginId: string; page?: string[] }>();
  return (
    <WithCommunity>
      {(community) => (
        <Suspense>
          <AppHost
            community={community}
            audience={audience}
            pluginId={decodeURIComponent(params.pluginId)}
            pageId={params.page?.[0] ? decodeURIComponent(params.page[0]) : undefined}
          />
        </Suspense>
      )}
    </WithCommunity>
  );
}
