'use client';

import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, Col, Drawer, Row, Space, Statistic, Table, Tag, Typography } from 'antd';
import { type ReactNode, useState } from 'react';
import type { MessageKey } from '@/i18n/lang';
import { useT } from '@/i18n/lang-provider';
import { useTRPC } from '@/lib/trpc';
import { useShell } from '../shell/shell-context';
import { orDash, percent, shanghaiTime } from './format';
import { live, pagedList, RecordListCard, SmallTableCard, StatRow, TabBody } from './parts';

const tagColor: Record<string, string> = { hypertension: 'red', glucose: 'orange', obesity: 'gold', fever: 'volcano' };
type Subject = { personId: string } | { ref: string };
/** The days of exercise a resident's profile shows. */
const profileDays = 30;

/**
 * 居民健康画像 (DB33 7.2.2.4.1) from the health kiosks and fitness equipment (6.2.3.1): the community's checkup and
 * exercise figures for everyone who reads statistics (small groups withheld by the server); the checkups of residents
 * (and a resident's profile with their exercise) only with `iot.warehouse.health`.
 */
export function HealthTab({ community }: { community: string }) {
  const trpc = useTRPC();
  const t = useT();
  const { me } = useShell();
  const personal = me.permissions.includes('iot.warehouse.health');
  const [open, setOpen] = useState<Subject | null>(null);
  const stats = useQuery(trpc.iot.warehouse.health.stats.queryOptions({ community }, live));
  const list = useInfiniteQuery(
    trpc.iot.warehouse.health.checkups.infiniteQueryOptions(
      { community, limit: 50 },
      { ...pagedList, enabled: personal },
    ),
  );
  const tagName = (tag: string) => t(`warehouse.health.tag.${tag}` as MessageKey);
  const tags = (ts: string[]) =>
    ts.length ? (
      ts.map((x) => (
        <Tag key={x} color={tagColor[x]}>
          {tagName(x)}
        </Tag>
      ))
    ) : (
      <Tag>{t('warehouse.health.normal')}</Tag>
    );
  const s = stats.data;
  const x = s?.exercise;
  const kindName = (k: string) => t(`warehouse.health.kind.${k}` as MessageKey);
  const m = (v: Record<string, unknown> | null, k: string) => orDash(v?.[k]);
  return (
    <TabBody>
      <StatRow
        testId="health-stats"
        items={[
          { title: t('warehouse.health.checkups'), value: s?.checkups ?? 0, testId: 'health-checkups' },
          { title: t('warehouse.health.people'), value: s?.people ?? 0, testId: 'health-people' },
          { title: t('warehouse.health.flagged'), value: s ? orDash(s.flagged) : 0, testId: 'health-flagged' },
          { title: t('warehouse.health.flaggedShare'), value: percent(s?.flaggedShare ?? null) },
        ]}
      />
      <StatRow
        testId="health-exercise"
        items={[
          { title: t('warehouse.health.workouts'), value: x?.workouts ?? 0, testId: 'health-workouts' },
          { title: t('warehouse.health.exercisers'), value: x?.people ?? 0, testId: 'health-exercisers' },
          {
            title: t('warehouse.health.exerciseMinutes'),
            value: x ? orDash(x.minutes) : 0,
            testId: 'health-exercise-minutes',
          },
          { title: t('warehouse.health.calories'), value: x ? orDash(x.calories) : 0 },
          { title: t('warehouse.health.meanMinutes'), value: orDash(x?.meanMinutesPerPerson) },
        ]}
      />
      <Row gutter={16}>
        <Col xs={24} md={12}>
          <SmallTableCard
            title={t('warehouse.health.byTag')}
            rowKey="tag"
            dataSource={s?.tags ?? []}
            columns={[
              { title: t('warehouse.health.tag'), dataIndex: 'tag', render: (x: string) => tags([x]) },
              { title: t('warehouse.health.checkups'), dataIndex: 'checkups', render: orDash },
              { title: t('warehouse.health.share'), dataIndex: 'share', render: percent },
              { title: t('warehouse.health.people'), dataIndex: 'people', render: orDash },
              { title: t('warehouse.health.peopleShare'), dataIndex: 'peopleShare', render: percent },
            ]}
          >
            <Typography.Paragraph type="secondary" style={{ marginTop: 8, marginBottom: 0 }}>
              {t('warehouse.health.rules')}
            </Typography.Paragraph>
          </SmallTableCard>
        </Col>
        <Col xs={24} md={12}>
          <SmallTableCard
            title={t('warehouse.health.byDay')}
            rowKey="day"
            dataSource={s?.days ?? []}
            columns={[
              { title: t('warehouse.col.day'), dataIndex: 'day' },
              { title: t('warehouse.health.checkups'), dataIndex: 'checkups' },
              { title: t('warehouse.health.people'), dataIndex: 'people' },
              { title: t('warehouse.health.flagged'), dataIndex: 'flagged', render: orDash },
            ]}
          >
            {s?.withheld && s.minGroup !== null ? (
              <Typography.Paragraph
                type="secondary"
                data-testid="health-withheld"
                style={{ marginTop: 8, marginBottom: 0 }}
              >
                {t('warehouse.health.withheld', { n: s.minGroup })}
              </Typography.Paragraph>
            ) : null}
          </SmallTableCard>
        </Col>
      </Row>
      <Row gutter={16}>
        <Col xs={24} md={14}>
          <SmallTableCard
            title={t('warehouse.health.exerciseByDay')}
            data-testid="health-exercise-days"
            rowKey="day"
            dataSource={x?.days ?? []}
            columns={[
              { title: t('warehouse.col.day'), dataIndex: 'day' },
              { title: t('warehouse.health.workouts'), dataIndex: 'workouts' },
              { title: t('warehouse.health.exercisers'), dataIndex: 'people' },
              { title: t('warehouse.health.exerciseMinutes'), dataIndex: 'minutes', render: orDash },
              { title: t('warehouse.health.calories'), dataIndex: 'calories', render: orDash },
            ]}
          />
        </Col>
        <Col xs={24} md={10}>
          <SmallTableCard
            title={t('warehouse.health.exerciseByKind')}
            rowKey="kind"
            dataSource={x?.kinds ?? []}
            columns={[
              { title: t('warehouse.health.kind'), dataIndex: 'kind', render: kindName },
              { title: t('warehouse.health.exercisers'), dataIndex: 'people' },
              { title: t('warehouse.health.exerciseMinutes'), dataIndex: 'minutes', render: orDash },
            ]}
          />
        </Col>
      </Row>
      {personal ? (
        <RecordListCard
          title={t('warehouse.health.list')}
          data-testid="health-list"
          list={list}
          scroll={{ x: true }}
          row={(r) => ({ 'data-testid': 'health-row', 'data-ref': r.ref })}
          columns={[
            { title: t('warehouse.col.time'), dataIndex: 'at', render: shanghaiTime },
            { title: t('warehouse.col.resident'), render: (_, r) => r.personName ?? r.ref },
            {
              title: t('warehouse.health.bp'),
              render: (_, r) => `${m(r.value, 'systolic')}/${m(r.value, 'diastolic')}`,
            },
            { title: t('warehouse.health.glucose'), render: (_, r) => m(r.value, 'bloodGlucose') },
            { title: t('warehouse.health.height'), render: (_, r) => m(r.value, 'height') },
            { title: t('warehouse.health.weight'), render: (_, r) => m(r.value, 'weight') },
            { title: t('warehouse.health.temperature'), render: (_, r) => m(r.value, 'temperature') },
            { title: t('warehouse.health.tag'), dataIndex: 'tags', render: tags },
            {
              title: t('warehouse.col.detail'),
              render: (_, r) => (
                <Button
                  size="small"
                  onClick={() => setOpen(r.personId ? { personId: r.personId } : { ref: r.ref ?? '' })}
                >
                  {t('warehouse.health.profile')}
                </Button>
              ),
            },
          ]}
        />
      ) : (
        <Alert type="info" showIcon message={t('warehouse.health.aggregatesOnly')} />
      )}
      <Drawer width={640} open={open !== null} onClose={() => setOpen(null)} destroyOnHidden>
        {open ? <HealthProfile community={community} subject={open} tags={tags} kindName={kindName} /> : null}
      </Drawer>
    </TabBody>
  );
}

function HealthProfile({
  community,
  subject,
  tags,
  kindName,
}: {
  community: string;
  subject: Subject;
  tags: (ts: string[]) => ReactNode;
  kindName: (k: string) => string;
}) {
  const trpc = useTRPC();
  const t = useT();
  const q = useQuery(trpc.iot.warehouse.health.profile.queryOptions({ community, subject, days: profileDays }));
  const p = q.data;
  if (!p) return null;
  const latest = p.latest as Record<string, { value: number; at: string } | undefined>;
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }} data-testid="health-profile">
      <Card size="small" title={p.person?.name ?? p.refs.join(', ')}>
        <Space size="large" wrap>
          {(['systolic', 'diastolic', 'bloodGlucose', 'height', 'weight', 'temperature'] as const).map((k) => (
            <Statistic key={k} title={t(`warehouse.health.m.${k}` as MessageKey)} value={orDash(latest[k]?.value)} />
          ))}
          <Statistic title="BMI" value={orDash(p.bmi)} />
        </Space>
        <div style={{ marginTop: 12 }}>{tags(p.tags)}</div>
      </Card>
      <Table
        size="small"
        rowKey="id"
        pagination={false}
        dataSource={p.history.items}
        columns={[
          { title: t('warehouse.col.time'), dataIndex: 'at', render: shanghaiTime },
          { title: t('warehouse.col.device'), dataIndex: 'deviceName' },
          { title: t('warehouse.health.tag'), dataIndex: 'tags', render: tags },
        ]}
      />
      <Card
        size="small"
        title={t('warehouse.health.exercise', { n: profileDays })}
        data-testid="health-profile-exercise"
      >
        <Space size="large" wrap>
          <Statistic title={t('warehouse.health.workouts')} value={p.exercise.workouts} />
          <Statistic title={t('warehouse.health.exerciseMinutes')} value={p.exercise.minutes} />
          <Statistic title={t('warehouse.health.calories')} value={p.exercise.calories} />
          <Statistic title={t('warehouse.health.activeDays')} value={p.exercise.activeDays} />
        </Space>
        <Table
          size="small"
          rowKey="id"
          pagination={false}
          style={{ marginTop: 12 }}
          dataSource={p.exercise.recent}
          columns={[
            { title: t('warehouse.col.time'), dataIndex: 'at', render: shanghaiTime },
            { title: t('warehouse.health.kind'), dataIndex: 'category', render: (k: string) => kindName(k) },
            { title: t('warehouse.health.exerciseMinutes'), dataIndex: 'amount', render: orDash },
            { title: t('warehouse.health.calories'), render: (_, r) => orDash(r.value?.calories) },
          ]}
        />
      </Card>
    </Space>
  );
}
