'use client';

import { useParams } from 'next/navigation';
import { Suspense } from 'react';
import { AppHost } from '@/components/apps/app-host';
import { WithCommunity } from '@/components/with-community';

export default function ConsoleAppPage() {
  const params = useParams<{ pluginId: string; page?: string[] }>();
  return (
    <WithCommunity>
      {(community) => (
        <Suspense>
          <AppHost
            community={community}
            audience="operator"
            pluginId={decodeURIComponent(params.pluginId)}
            pageId={params.page?.[0] ? decodeURIComponent(params.page[0]) : undefined}
          />
        </Suspense>
      )}
    </WithCommunity>
  );
}
