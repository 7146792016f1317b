'use client';

import { CarOutlined, HomeOutlined, LeftOutlined, SafetyCertificateOutlined, TeamOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { inferOutput } from '@trpc/tanstack-react-query';
import { Alert, App, Button, Card, Modal, Tag, Typography, theme } from 'antd';
import Link from 'next/link';
import { useState } from 'react';
import { PageError, PageLoading } from '@/components/apps/page-state';
import { categoryLabel, channelLabel, purposeLabel } from '@/components/people/consent-labels';
import type { Lang, MessageKey } from '@/i18n/lang';
import { type TFunction, useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';

type Household = inferOutput<ReturnType<typeof useTRPC>['base']['household']>;
type Linked = Extract<Household, { linked: true }>;
type Home = Linked['homes'][number];
type Consent = Linked['consents'][number];

/** Dates as an older resident reads them: 2026年11月28日 16:55. */
function when(iso: string, lang: Lang) {
  return new Intl.DateTimeFormat(lang, {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  }).format(new Date(iso));
}

export function addressText(a: Home['address'], t: TFunction) {
  return t('household.address', a);
}

function plateColour(colour: string | null | undefined, t: TFunction) {
  if (!colour) return null;
  const key = `household.plate.${colour}` as MessageKey;
  const label = t(key);
  return label === undefined || label === key ? colour : label;
}

/** Section heading with an icon, sized by the shell's (large-text) font size. */
function SectionTitle({ icon, children }: { icon: React.ReactNode; children: React.ReactNode }) {
  return (
    <Typography.Title level={5} style={{ margin: '0 0 8px', display: 'flex', alignItems: 'center', gap: 8 }}>
      {icon}
      {children}
    </Typography.Title>
  );
}

function HomeCard({ home }: { home: Home }) {
  const t = useT();
  const { lang } = useLang();
  const { token } = theme.useToken();
  return (
    <Card data-testid="household-home" style={{ marginBottom: 16 }} styles={{ body: { padding: 16 } }}>
      <div
        data-testid="household-address"
        style={{ fontSize: token.fontSize * 1.2, fontWeight: 600, display: 'flex', gap: 8, alignItems: 'baseline' }}
      >
        <HomeOutlined />
        <span>{addressText(home.address, t)}</span>
      </div>
      {home.gridCode ? (
        <div data-testid="household-grid-code" style={{ marginTop: 6, color: token.colorTextSecondary }}>
          {t('household.gridCode')}
          <span style={{ fontFamily: 'monospace', marginInlineStart: 8, wordBreak: 'break-all' }}>{home.gridCode}</span>
        </div>
      ) : null}
      <div style={{ marginTop: 16 }}>
        <SectionTitle icon={<TeamOutlined />}>{t('household.members')}</SectionTitle>
        {/* The signed-in resident first, then the others in the order the office registered them. */}
        {[...home.members]
          .sort((a, b) => Number(b.me) - Number(a.me))
          .map((m, i) => (
            <div
              // Names may repeat in a family; the order is the server's and stable.
              // biome-ignore lint/suspicious/noArrayIndexKey: members carry no id on purpose (no personal ids leave the server).
              key={i}
              data-testid="household-member"
              data-me={m.me ? 'yes' : 'no'}
              style={{
                display: 'flex',
                alignItems: 'center',
                gap: 8,
                padding: '10px 0',
                borderTop: i === 0 ? undefined : '1px solid #f0f0f0',
                fontSize: token.fontSize,
              }}
            >
              <span style={{ fontWeight: 600 }}>{m.name}</span>
              <Tag color="blue" style={{ fontSize: token.fontSizeSM, marginInlineEnd: 0 }}>
                {lang === 'en' ? m.roleName.en : m.roleName.zh}
              </Tag>
              {m.me ? (
                <Tag color="gold" data-testid="household-member-me" style={{ fontSize: token.fontSizeSM }}>
                  {t('household.me')}
                </Tag>
              ) : null}
            </div>
          ))}
      </div>
      <div style={{ marginTop: 16 }}>
        <SectionTitle icon={<CarOutlined />}>{t('household.vehicles')}</SectionTitle>
        {home.vehicles.length === 0 ? (
          <Typography.Text type="secondary">{t('household.noVehicles')}</Typography.Text>
        ) : (
          home.vehicles.map((v) => (
            <div key={v.plate} data-testid="household-vehicle" style={{ padding: '6px 0', fontSize: token.fontSize }}>
              <span style={{ fontWeight: 600, letterSpacing: 1 }}>{v.plate}</span>
              {v.colour ? (
                <Typography.Text type="secondary" style={{ marginInlineStart: 8 }}>
                  {plateColour(v.colour, t)}
                </Typography.Text>
              ) : null}
            </div>
          ))
        )}
      </div>
    </Card>
  );
}

function ConsentItem({
  consent,
  purpose,
  categories,
  onWithdraw,
}: {
  consent: Consent;
  purpose: string;
  categories: string[];
  onWithdraw: () => void;
}) {
  const t = useT();
  const { lang } = useLang();
  const { token } = theme.useToken();
  return (
    <Card
      data-testid="consent-item"
      data-purpose={consent.purpose}
      data-state={consent.active ? 'active' : 'withdrawn'}
      style={{ marginBottom: 12, background: consent.active ? '#fff' : '#fafafa' }}
      styles={{ body: { padding: 16 } }}
    >
      <div style={{ display: 'flex', justifyContent: 'space-between', gap: 8, alignItems: 'flex-start' }}>
        <span data-testid="consent-purpose" style={{ fontWeight: 600, fontSize: token.fontSize * 1.1 }}>
          {purpose}
        </span>
        <Tag
          data-testid="consent-state"
          color={consent.active ? 'green' : 'default'}
          style={{ fontSize: token.fontSizeSM, marginInlineEnd: 0, flexShrink: 0 }}
        >
          {consent.active ? t('household.consent.active') : t('household.consent.withdrawn')}
        </Tag>
      </div>
      <dl style={{ margin: '12px 0 0', display: 'grid', gridTemplateColumns: 'auto 1fr', gap: '6px 12px' }}>
        <dt style={{ color: token.colorTextSecondary }}>{t('household.consent.categories')}</dt>
        <dd style={{ margin: 0 }}>{categories.join(lang === 'en' ? ', ' : '、')}</dd>
        <dt style={{ color: token.colorTextSecondary }}>{t('household.consent.grantedAt')}</dt>
        <dd style={{ margin: 0 }}>{when(consent.grantedAt, lang)}</dd>
        <dt style={{ color: token.colorTextSecondary }}>{t('household.consent.channel')}</dt>
        <dd style={{ margin: 0 }}>{channelLabel(consent.channel, t)}</dd>
      </dl>
      {consent.active ? (
        <Button danger block size="large" data-testid="consent-withdraw" style={{ marginTop: 16 }} onClick={onWithdraw}>
          {t('household.consent.withdraw')}
        </Button>
      ) : consent.withdrawnAt ? (
        <div data-testid="consent-withdrawn-at" style={{ marginTop: 12, color: token.colorTextSecondary }}>
          {t('household.consent.withdrawnAt', { time: when(consent.withdrawnAt, lang) })}
        </div>
      ) : null}
    </Card>
  );
}

/** 我的家庭: where she lives, who lives with her, the household's vehicles, and her consents (withdrawable). */
export function HouseholdView({ community }: { community: string }) {
  const t = useT();
  const { lang } = useLang();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { message } = App.useApp();
  const { token } = theme.useToken();
  const householdOptions = trpc.base.household.queryOptions({ community });
  const household = useQuery(householdOptions);
  const options = useQuery(trpc.base.consents.options.queryOptions());
  const [confirming, setConfirming] = useState<Consent | null>(null);
  const withdraw = useMutation(
    trpc.base.withdrawMyConsent.mutationOptions({
      onSuccess: async () => {
        setConfirming(null);
        message.success(t('household.withdraw.done'));
        await queryClient.invalidateQueries({ queryKey: householdOptions.queryKey });
      },
    }),
  );

  const purposeOf = (c: Consent) => purposeLabel(options.data, c.purpose, lang, c.purposeZh);
  const categoriesOf = (c: Consent) => c.categories.map((k) => categoryLabel(options.data, k, t));

  const body = () => {
    if (household.isLoading) return <PageLoading />;
    if (household.error) return <PageError error={household.error} onRetry={() => household.refetch()} />;
    const data = household.data;
    if (!data?.linked) {
      return (
        <Alert
          type="info"
          showIcon
          data-testid="household-unlinked"
          title={<span style={{ fontWeight: 600 }}>{t('household.unlinked.title')}</span>}
          description={<span style={{ lineHeight: 1.7 }}>{t('household.unlinked.body')}</span>}
          style={{ fontSize: token.fontSize, padding: 16 }}
        />
      );
    }
    return (
      <>
        <Typography.Paragraph data-testid="household-hello" style={{ fontSize: token.fontSize }}>
          {t('household.hello', { name: data.name })}
        </Typography.Paragraph>
        {data.homes.length === 0 ? (
          <Alert type="info" showIcon data-testid="household-no-homes" title={t('household.noHomes')} />
        ) : (
          data.homes.map((h) => <HomeCard key={h.houseId} home={h} />)
        )}
        <section data-testid="household-consents" style={{ marginTop: 24 }}>
          <SectionTitle icon={<SafetyCertificateOutlined />}>{t('household.consents')}</SectionTitle>
          <Typography.Paragraph type="secondary">{t('household.consents.hint')}</Typography.Paragraph>
          {data.consents.length === 0 ? (
            <Typography.Text type="secondary" data-testid="household-no-consents">
              {t('household.consents.empty')}
            </Typography.Text>
          ) : (
            data.consents.map((c) => (
              <ConsentItem
                key={c.id}
                consent={c}
                purpose={purposeOf(c)}
                categories={categoriesOf(c)}
                onWithdraw={() => {
                  withdraw.reset();
                  setConfirming(c);
                }}
              />
            ))
          )}
        </section>
      </>
    );
  };

  return (
    <div data-testid="household" style={{ marginTop: 16 }}>
      <Link
        href="/app/me"
        data-testid="household-back"
        style={{ display: 'inline-flex', alignItems: 'center', gap: 4, padding: '8px 0', fontSize: token.fontSize }}
      >
        <LeftOutlined />
        {t('household.back')}
      </Link>
      <Typography.Title level={4} style={{ marginTop: 8 }}>
        {t('household.title')}
      </Typography.Title>
      {body()}
      <Modal
        open={confirming !== null}
        title={t('household.withdraw.title')}
        okText={t('household.withdraw.ok')}
        cancelText={t('household.withdraw.cancel')}
        okButtonProps={{ danger: true, size: 'large', 'data-testid': 'withdraw-confirm' }}
        cancelButtonProps={{ size: 'large', 'data-testid': 'withdraw-cancel' }}
        confirmLoading={withdraw.isPending}
        onOk={() => {
          if (confirming) withdraw.mutate({ community, id: confirming.id });
        }}
        onCancel={() => setConfirming(null)}
        destroyOnHidden
        centered
      >
        {confirming ? (
          <div data-testid="withdraw-dialog" style={{ fontSize: token.fontSize, lineHeight: 1.7 }}>
            <p>
              {t('household.withdraw.effect', {
                purpose: purposeOf(confirming),
                categories: categoriesOf(confirming).join(lang === 'en' ? ', ' : '、'),
              })}
            </p>
            <p style={{ color: token.colorTextSecondary, marginBottom: 0 }}>{t('household.withdraw.kept')}</p>
            {withdraw.error ? (
              <Alert
                type="error"
                showIcon
                data-testid="withdraw-error"
                style={{ marginTop: 12 }}
                title={errorMessage(withdraw.error, lang, t('common.unknownError'))}
              />
            ) : null}
          </div>
        ) : null}
      </Modal>
    </div>
  );
}
