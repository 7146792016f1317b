'use client';

import { ArrowLeftOutlined, EditOutlined, EyeOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, Descriptions, Skeleton, Space, Tag, Typography } from 'antd';
import Link from 'next/link';
import { type ReactNode, useState } from 'react';
import { RecordHistory } from '@/components/people/record-history';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { enumLabel, fieldTitle } from '@/lib/person-schema';
import { useTRPC } from '@/lib/trpc';
import { useEntryGuard } from '../entry/use-entry-guard';
import { ConsentCard } from './consent-card';
import { PersonEditDrawer } from './person-edit-drawer';
import { REVEALABLE, RevealDialog, type Revealed } from './reveal-dialog';

/** One person: masked card, change history, and the audited "show in full". */
export function PersonDetail({ community, id }: { community: string; id: string }) {
  const t = useT();
  const { lang } = useLang();
  const trpc = useTRPC();
  const person = useQuery(trpc.base.people.get.queryOptions({ community, id }));
  const [revealing, setRevealing] = useState(false);
  const [revealed, setRevealed] = useState<Revealed>({});
  const [editing, setEditing] = useState(false);
  const entry = useEntryGuard();

  if (person.error) {
    return <Alert type="error" showIcon title={errorMessage(person.error, lang, t('common.networkError'))} />;
  }
  const p = person.data;
  if (!p) return <Skeleton active />;

  const shown = (field: 'idNumber' | 'phone', masked: string | null): ReactNode =>
    revealed[field] !== undefined ? (
      <Typography.Text strong data-testid={`revealed-${field}`}>
        {revealed[field] ?? ''}
      </Typography.Text>
    ) : (
      <code data-testid={`masked-${field}`}>{masked ?? ''}</code>
    );

  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Link href="/console/people">
        <ArrowLeftOutlined /> {t('people.backToList')}
      </Link>
      <Card
        title={<span data-testid="person-name">{p.name}</span>}
        extra={
          <Space>
            <Button
              icon={<EditOutlined />}
              onClick={() => entry.guard(() => setEditing(true))}
              data-testid="person-edit"
            >
              {t('people.edit')}
            </Button>
            <Button icon={<EyeOutlined />} onClick={() => setRevealing(true)} data-testid="reveal-open">
              {t('people.reveal.open')}
            </Button>
          </Space>
        }
      >
        <Descriptions column={2} bordered size="small">
          <Descriptions.Item label={t('people.col.idType')}>{enumLabel('idType', p.idType, lang)}</Descriptions.Item>
          <Descriptions.Item label={t('people.field.idNumber')}>{shown('idNumber', p.idNumber)}</Descriptions.Item>
          <Descriptions.Item label={t('people.col.gender')}>{enumLabel('gender', p.gender, lang)}</Descriptions.Item>
          <Descriptions.Item label={t('people.col.birthYear')}>{p.birthYear ?? ''}</Descriptions.Item>
          <Descriptions.Item label={t('people.field.phone')}>{shown('phone', p.phone)}</Descriptions.Item>
          <Descriptions.Item label={t('people.col.category')}>
            {enumLabel('category', p.category, lang)}
          </Descriptions.Item>
          <Descriptions.Item label={t('people.col.occupation')} span={2}>
            <span data-testid="person-occupation">{p.occupation ?? ''}</span>
          </Descriptions.Item>
          {REVEALABLE.filter((f) => f === 'healthStatus' || f === 'birthDate').map((f) =>
            revealed[f] !== undefined ? (
              <Descriptions.Item key={f} label={t(`people.field.${f}`)}>
                <span data-testid={`revealed-${f}`}>{revealed[f] ?? ''}</span>
              </Descriptions.Item>
            ) : null,
          )}
          <Descriptions.Item label={t('people.col.tags')} span={2}>
            <span data-testid="person-tags">
              {[...(p.keyCareTags ?? []).map((k) => enumLabel('keyCareTags', k, lang)), ...(p.tags ?? [])].map((k) => (
                <Tag key={k}>{k}</Tag>
              ))}
            </span>
          </Descriptions.Item>
        </Descriptions>
      </Card>
      <ConsentCard community={community} personId={id} />
      <RecordHistory history={p.history} testId="person-history" fieldTitle={fieldTitle} />
      <RevealDialog
        community={community}
        personId={id}
        open={revealing}
        onClose={() => setRevealing(false)}
        onRevealed={(v) => setRevealed((old) => ({ ...old, ...v }))}
      />
      <PersonEditDrawer
        community={community}
        person={p}
        open={editing}
        onClose={() => setEditing(false)}
        guard={entry.guard}
        onUndertakingMissing={entry.recheck}
      />
      {entry.modal}
    </Space>
  );
}
