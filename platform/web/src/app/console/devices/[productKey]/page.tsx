'use client';

import { useParams } from 'next/navigation';
import { DevicesView } from '@/components/iot/devices-view';
import { PageHeading } from '@/components/page-heading';

export default function ConsoleProductPage() {
  const { productKey } = useParams<{ productKey: string }>();
  return (
    <>
      <PageHeading titleKey="nav.devices" />
      <DevicesView productKey={productKey} />
    </>
  );
}
