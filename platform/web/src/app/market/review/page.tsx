'use client';

import { ReviewQueue } from '@/components/market/review-queue';
import { PageHeading } from '@/components/page-heading';

export default function MarketReviewPage() {
  return (
    <>
      <PageHeading titleKey="market.nav.review" />
      <ReviewQueue />
    </>
  );
}
