'use client';

import { Input, Select } from 'antd';
import { useLang, useT } from '@/i18n/lang-provider';
import { type PageOf, pick } from './app-types';

type Filters = NonNullable<PageOf<'list'>['filters']>;
export type FilterValues = Record<string, string>;

/** A list's filters: a choice for fields with options, a search box for the others. Empty means "all". */
export function ListFilters(props: { filters: Filters; values: FilterValues; onChange(values: FilterValues): void }) {
  const { filters, values, onChange } = props;
  const { lang } = useLang();
  const t = useT();
  const set = (field: string, value: string | undefined) => {
    const next = { ...values };
    if (value) next[field] = value;
    else delete next[field];
    onChange(next);
  };
  return (
    <div style={{ display: 'flex', flexWrap: 'wrap', gap: 12 }} data-testid="app-filters">
      {filters.map((f) =>
        f.options?.length ? (
          <Select
            key={f.field}
            allowClear
            data-testid={`app-filter-${f.field}`}
            aria-label={pick(f.title, lang)}
            placeholder={`${pick(f.title, lang)}：${t('apps.filter.all')}`}
            value={values[f.field]}
            onChange={(v: string | undefined) => set(f.field, v)}
            options={f.options.map((o) => ({ value: o.value, label: pick(o.label, lang) }))}
            style={{ minWidth: 180, flex: '1 1 180px' }}
          />
        ) : (
          <Input.Search
            key={f.field}
            allowClear
            data-testid={`app-filter-${f.field}`}
            aria-label={pick(f.title, lang)}
            placeholder={pick(f.title, lang)}
            enterButton={t('apps.search')}
            defaultValue={values[f.field]}
            onSearch={(v) => set(f.field, v.trim() || undefined)}
            style={{ minWidth: 220, flex: '1 1 220px' }}
          />
        ),
      )}
    </div>
  );
}
