'use client';

import { Tabs } from 'antd';
import { useState } from 'react';
import { useT } from '@/i18n/lang-provider';
import { InstalledTable } from './installed-table';
import { PackagesTable } from './packages-table';

/** The console's app management: what is installed here, and what can be installed. */
export function AppsAdmin({ community }: { community: string }) {
  const t = useT();
  const [tab, setTab] = useState('installed');
  return (
    <Tabs
      activeKey={tab}
      onChange={setTab}
      destroyOnHidden
      items={[
        { key: 'installed', label: t('apps.admin.installed'), children: <InstalledTable community={community} /> },
        { key: 'packages', label: t('apps.admin.packages'), children: <PackagesTable community={community} /> },
      ]}
    />
  );
}
