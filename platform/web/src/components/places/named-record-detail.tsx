'use client';

import { ArrowLeftOutlined, EditOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, Descriptions, Skeleton, Space } from 'antd';
import Link from 'next/link';
import { useCallback, useMemo } from 'react';
import { useRecordEdit } from '@/components/people/record-edit';
import { RecordHistory } from '@/components/people/record-history';
import type { MessageKey } from '@/i18n/lang';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import {
  isNamedEnum,
  type NamedKind,
  namedEditable,
  namedEditSchema,
  namedEnumLabel,
  namedFields,
  namedKinds,
  namedUiSchema,
} from '@/lib/named-schema';
import { useTRPC, useTRPCClient } from '@/lib/trpc';

/** One public space or facility: every schema field, its change history, and an edit from the schema. */
export function NamedRecordDetail({ community, kind, id }: { community: string; kind: NamedKind; id: string }) {
  const t = useT();
  const { lang } = useLang();
  const trpc = useTRPC();
  const client = useTRPCClient();
  const qc = useQueryClient();
  const k = namedKinds[kind];
  const api = k.api === 'spaces' ? client.base.spaces : client.base.facilities;
  const record = useQuery({
    queryKey: [...trpc.base[k.api].get.queryKey(), community, id],
    queryFn: () => api.get.query({ community, id }),
  });
  const update = useMutation({
    mutationFn: (v: { version: number; patch: Record<string, unknown> }) => api.update.mutate({ community, id, ...v }),
  });
  const title = useCallback((f: string) => t(`named.field.${f}` as MessageKey), [t]);
  const schema = useMemo(() => namedEditSchema(kind), [kind]);
  const uiSchema = useMemo(() => namedUiSchema(kind, lang, title, t('named.save')), [kind, lang, t, title]);
  const edit = useRecordEdit({
    editable: namedEditable(kind),
    schema,
    uiSchema,
    title: t(`named.${kind}.edit`),
    savedMessage: t('named.saved'),
    testId: `${kind}-edit-drawer`,
    pending: update.isPending,
    save: async (patch) => {
      const r = record.data;
      if (!r) return;
      await update.mutateAsync({ version: r.version, patch });
      await qc.invalidateQueries({ queryKey: trpc.base[k.api].pathKey() });
    },
  });

  if (record.error) {
    return <Alert type="error" showIcon title={errorMessage(record.error, lang, t('common.networkError'))} />;
  }
  const r = record.data;
  if (!r) return <Skeleton active />;
  const show = (f: string) => {
    const v = r.fields[f];
    if (v == null) return '';
    return isNamedEnum(kind, f) ? namedEnumLabel(kind, f, String(v), lang) : String(v);
  };

  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Link href={k.route}>
        <ArrowLeftOutlined /> {t(`named.${kind}.back`)}
      </Link>
      <Card
        title={<span data-testid={`${kind}-name`}>{r.name}</span>}
        extra={
          <Button icon={<EditOutlined />} onClick={() => edit.open(r.fields)} data-testid={`${kind}-edit`}>
            {t(`named.${kind}.edit`)}
          </Button>
        }
      >
        <Descriptions column={2} bordered size="small">
          {namedFields(kind)
            .filter((f) => f !== 'name')
            .map((f) => (
              <Descriptions.Item key={f} label={title(f)}>
                <span data-testid={`${kind}-field-${f}`}>{show(f)}</span>
              </Descriptions.Item>
            ))}
        </Descriptions>
      </Card>
      <RecordHistory history={r.history} testId={`${kind}-history`} fieldTitle={title} />
      {edit.drawer}
    </Space>
  );
}
