'use client';

import { PageHeading } from '@/components/page-heading';
import { PaymentsConsole } from '@/components/payment/payments-console';
import { WithCommunity } from '@/components/with-community';

export default function ConsolePaymentsPage() {
  return (
    <>
      <PageHeading titleKey="nav.payments" />
      <WithCommunity>{(community) => <PaymentsConsole community={community} />}</WithCommunity>
    </>
  );
}
