'use client';

import { RightOutlined } from '@ant-design/icons';
import { Card, Pagination, Table, type TableColumnsType, Typography } from 'antd';
import { useState } from 'react';
import { EmptyState } from '@/components/empty-state';
import { useLang, useT } from '@/i18n/lang-provider';
import { useAppHost } from './app-context';
import { type PageOf, pick } from './app-types';
import { FormatValue, fieldValue, recordId } from './format-value';
import { type FilterValues, ListFilters } from './list-filters';
import { ActionBar } from './page-actions';
import { PageError, PageLoading } from './page-state';
import { useHandlerData } from './use-app';

type Row = Record<string, unknown>;

/** A list source answers `{items, total}`; a bare array is accepted too. */
function rowsOf(data: unknown): { items: Row[]; total: number } {
  if (Array.isArray(data)) return { items: data as Row[], total: data.length };
  const d = (data ?? {}) as { items?: unknown; total?: unknown };
  const items = Array.isArray(d.items) ? (d.items as Row[]) : [];
  return { items, total: typeof d.total === 'number' ? d.total : items.length };
}

/** A list page: filters, the rows (a table on a desktop, cards on a phone), page actions and row actions. */
export function ListPage({ page }: { page: PageOf<'list'> }) {
  const host = useAppHost();
  const { lang } = useLang();
  const t = useT();
  const pageSize = host.compact ? 10 : 20;
  const [filters, setFilters] = useState<FilterValues>({});
  const [current, setCurrent] = useState(1);
  const input = {
    ...(Object.keys(filters).length ? { where: filters } : {}),
    limit: pageSize,
    offset: (current - 1) * pageSize,
  };
  const data = useHandlerData(host.community, host.app.pluginId, page.source.handler, input);
  const { items, total } = rowsOf(data.data);
  const actions = page.actions ?? [];
  const top = actions.filter((a) => !a.row);
  const perRow = actions.filter((a) => a.row);
  const open = page.detailPage ? (row: Row) => host.go(page.detailPage!, recordId(row)) : undefined;

  const columns: TableColumnsType<Row> = page.columns.map((c, i) => ({
    key: c.field,
    title: pick(c.title, lang),
    render: (_: unknown, row: Row) => {
      const value = (
        <FormatValue
          value={fieldValue(row, c.field)}
          format={c.format}
          lang={lang}
          label={(v, tag) => host.label(c.field, v, tag)}
        />
      );
      return i === 0 && open ? <Typography.Link onClick={() => open(row)}>{value}</Typography.Link> : value;
    },
  }));
  if (perRow.length) {
    columns.push({
      key: '__actions',
      title: '',
      render: (_: unknown, row: Row) => <ActionBar actions={perRow} input={{ id: recordId(row) }} />,
    });
  }

  const body = () => {
    if (data.isLoading) return <PageLoading />;
    if (data.error) return <PageError error={data.error} onRetry={() => data.refetch()} />;
    if (items.length === 0) return <EmptyState />;
    if (!host.compact) {
      return (
        <Table<Row>
          rowKey={(r) => recordId(r) ?? JSON.stringify(r)}
          columns={columns}
          dataSource={items}
          pagination={false}
          size="middle"
        />
      );
    }
    const [head, ...rest] = page.columns;
    return (
      <div style={{ display: 'flex', flexDirection: 'column', gap: 12 }}>
        {items.map((row) => (
          <Card
            key={recordId(row) ?? JSON.stringify(row)}
            size="small"
            hoverable={!!open}
            onClick={open ? () => open(row) : undefined}
            data-testid="app-list-item"
            style={{ cursor: open ? 'pointer' : undefined }}
          >
            <div style={{ display: 'flex', alignItems: 'center', gap: 8, minHeight: 44 }}>
              <div style={{ flex: 1 }}>
                <Typography.Text strong style={{ fontSize: '1.1em' }}>
                  <FormatValue
                    value={fieldValue(row, head.field)}
                    format={head.format}
                    lang={lang}
                    label={(v, tag) => host.label(head.field, v, tag)}
                  />
                </Typography.Text>
                {rest.map((c) => (
                  <div key={c.field}>
                    <Typography.Text type="secondary">{pick(c.title, lang)}：</Typography.Text>
                    <FormatValue
                      value={fieldValue(row, c.field)}
                      format={c.format}
                      lang={lang}
                      label={(v, tag) => host.label(c.field, v, tag)}
                    />
                  </div>
                ))}
              </div>
              {open ? <RightOutlined aria-hidden /> : null}
            </div>
            {perRow.length ? (
              <div style={{ marginTop: 12 }}>
                <ActionBar actions={perRow} input={{ id: recordId(row) }} />
              </div>
            ) : null}
          </Card>
        ))}
      </div>
    );
  };

  return (
    <div data-testid="app-list" style={{ display: 'flex', flexDirection: 'column', gap: 16 }}>
      {page.filters?.length ? (
        <ListFilters
          filters={page.filters}
          values={filters}
          onChange={(v) => {
            setFilters(v);
            setCurrent(1);
          }}
        />
      ) : null}
      <ActionBar actions={top} />
      {body()}
      {total > 0 ? (
        <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', flexWrap: 'wrap' }}>
          <Typography.Text type="secondary" data-testid="app-list-total">
            {t('apps.total', { count: total })}
          </Typography.Text>
          {total > pageSize ? (
            <Pagination
              simple={host.compact}
              current={current}
              pageSize={pageSize}
              total={total}
              onChange={setCurrent}
            />
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
