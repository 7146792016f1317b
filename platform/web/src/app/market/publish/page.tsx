'use client';

import { PublisherConsole } from '@/components/market/publisher-console';
import { PageHeading } from '@/components/page-heading';

export default function MarketPublishPage() {
  return (
    <>
      <PageHeading titleKey="market.nav.publish" />
      <PublisherConsole />
    </>
  );
}
