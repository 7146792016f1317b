'use client';

import { EnergyCompare } from '@/components/energy/energy-compare';

export default function GovEnergyPage() {
  return <EnergyCompare />;
}
