'use client';

import { useParams } from 'next/navigation';
import { DeviceDetailView } from '@/components/iot/device-detail-view';
import { PageHeading } from '@/components/page-heading';

export default function ConsoleDevicePage() {
  const { productKey, deviceName } = useParams<{ productKey: string; deviceName: string }>();
  return (
    <>
      <PageHeading titleKey="nav.devices" />
      <DeviceDetailView productKey={productKey} deviceName={decodeURIComponent(deviceName)} />
    </>
  );
}
