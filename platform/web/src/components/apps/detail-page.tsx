'use client';

import { Descriptions } from 'antd';
import { useLang, useT } from '@/i18n/lang-provider';
import { useAppHost } from './app-context';
import { type PageOf, pick } from './app-types';
import { FormatValue, fieldValue } from './format-value';
import { ActionBar } from './page-actions';
import { PageError, PageLoading, PageMissing } from './page-state';
import { useHandlerData } from './use-app';

/** A detail page: the record the source handler returns for `?id=`, field by field, and its actions. */
export function DetailPage({ page, id }: { page: PageOf<'detail'>; id: string | null }) {
  const host = useAppHost();
  const { lang } = useLang();
  const t = useT();
  const input = id ? { id } : {};
  const data = useHandlerData(host.community, host.app.pluginId, page.source.handler, input, !!id);
  if (!id) return <PageMissing text={t('apps.noId')} />;
  if (data.isLoading) return <PageLoading />;
  if (data.error) return <PageError error={data.error} onRetry={() => data.refetch()} />;
  return (
    <div data-testid="app-detail" style={{ display: 'flex', flexDirection: 'column', gap: 16 }}>
      <Descriptions
        bordered
        column={host.compact ? 1 : 2}
        size={host.compact ? 'middle' : 'small'}
        items={page.fields.map((f) => ({
          key: f.field,
          label: pick(f.title, lang),
          span: f.format === 'long-text' ? 'filled' : undefined,
          children: (
            <FormatValue
              value={fieldValue(data.data, f.field)}
              format={f.format}
              lang={lang}
              label={(v, tag) => host.label(f.field, v, tag)}
            />
          ),
        }))}
      />
      <ActionBar actions={page.actions ?? []} input={{ id }} />
    </div>
  );
}
