'use client';

import { Tabs } from 'antd';
import type { ReactNode } from 'react';
import type { MessageKey } from '@/i18n/lang';
import { useT } from '@/i18n/lang-provider';
import { GarbageTab } from './garbage-tab';
import { HealthTab } from './health-tab';
import { LibraryTab } from './library-tab';
import { MealsTab } from './meals-tab';
import { ParcelsTab } from './parcels-tab';
import { VitalsTab } from './vitals-tab';

/** One tab of the IoT warehouse page; each is its own component (another area adds its tab to this list). */
export interface WarehouseTab {
  key: string;
  labelKey: MessageKey;
  render: (community: string) => ReactNode;
}

export const warehouseTabs: WarehouseTab[] = [
  { key: 'parcels', labelKey: 'warehouse.tab.parcels', render: (c) => <ParcelsTab community={c} /> },
  { key: 'garbage', labelKey: 'warehouse.tab.garbage', render: (c) => <GarbageTab community={c} /> },
  { key: 'vitals', labelKey: 'warehouse.tab.vitals', render: (c) => <VitalsTab community={c} /> },
  { key: 'health', labelKey: 'warehouse.tab.health', render: (c) => <HealthTab community={c} /> },
  { key: 'meals', labelKey: 'warehouse.tab.meals', render: (c) => <MealsTab community={c} /> },
  { key: 'library', labelKey: 'warehouse.tab.library', render: (c) => <LibraryTab community={c} /> },
];

/** 物联数据仓 (DB33 7.2.2): the records the devices fill, tab by tab. */
export function WarehouseConsole({ community }: { community: string }) {
  const t = useT();
  return (
    <Tabs
      destroyOnHidden
      items={warehouseTabs.map((tab) => ({
        key: tab.key,
        label: <span data-testid={`warehouse-tab-${tab.key}`}>{t(tab.labelKey)}</span>,
        children: tab.render(community),
      }))}
    />
  );
}
