'use client';

import { DownloadOutlined, DownOutlined } from '@ant-design/icons';
import { Button, Dropdown, type MenuProps } from 'antd';
import { useT } from '@/i18n/lang-provider';

type Format = 'csv' | 'xlsx';

/** Same-origin export route: the session cookie goes along and the server sends the (masked) file. */
export const exportUrl = (community: string, format: Format) =>
  `/api/base/export/people?${new URLSearchParams({ community, format })}`;

/** 导出: the community's people as CSV or Excel; plain links with `download`, so the browser saves the file. */
export function PeopleExport({ community }: { community: string }) {
  const t = useT();
  const item = (format: Format, label: string) => ({
    key: format,
    label: (
      <a href={exportUrl(community, format)} download data-testid={`people-export-${format}`}>
        {label}
      </a>
    ),
  });
  const menu: MenuProps = { items: [item('csv', t('people.export.csv')), item('xlsx', t('people.export.xlsx'))] };
  return (
    <Dropdown menu={menu} trigger={['click']}>
      <Button icon={<DownloadOutlined />} data-testid="people-export">
        {t('people.export')} <DownOutlined />
      </Button>
    </Dropdown>
  );
}
