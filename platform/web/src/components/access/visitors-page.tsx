'use client';

import { QrcodeOutlined } from '@ant-design/icons';
import { useMutation, useQuery } from '@tanstack/react-query';
import type { inferOutput } from '@trpc/tanstack-react-query';
import type { ButtonProps } from 'antd';
import { App, Button, Card, Empty, Form, Input, InputNumber, Modal, QRCode, Tag, Typography, theme } from 'antd';
import { useState } from 'react';
import { PageError, PageLoading } from '@/components/apps/page-state';
import type { Lang, MessageKey } from '@/i18n/lang';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';

type Pass = inferOutput<ReturnType<typeof useTRPC>['access']['myInvitations']>[number];

const statusColour: Record<string, string> = {
  active: 'green',
  expired: 'default',
  revoked: 'default',
  used_up: 'blue',
};

/** Today in Asia/Shanghai as YYYY-MM-DD. */
const today = () => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
/** The current hour in Asia/Shanghai plus `plus` hours as HH:mm, kept within today (23:59 at the latest). */
const hourFromNow = (plus = 0) => {
  const h = new Date(Date.now() + 8 * 3_600_000).getUTCHours() + plus;
  return h > 23 ? '23:59' : `${String(h).padStart(2, '0')}:00`;
};

export function windowText(p: { validFrom: string; validUntil: string }, lang: Lang) {
  const opts = { timeZone: 'Asia/Shanghai' } as const;
  const d = new Intl.DateTimeFormat(lang, { ...opts, month: 'short', day: 'numeric', weekday: 'short' });
  const h = new Intl.DateTimeFormat('en-GB', { ...opts, hour: '2-digit', minute: '2-digit' });
  return `${d.format(new Date(p.validFrom))} ${h.format(new Date(p.validFrom))}–${h.format(new Date(p.validUntil))}`;
}

interface InviteForm {
  visitorName: string;
  visitorPhone?: string;
  day: string;
  from: string;
  until: string;
  maxEntries: number;
}

/** The QR code (SVG, scannable at the gate) and the 8-digit code of a pass. */
function PassCode({
  p,
}: {
  p: { token: string | null; code: string; visitorName: string; validFrom: string; validUntil: string };
}) {
  const t = useT();
  const { lang } = useLang();
  return (
    <div style={{ display: 'flex', flexDirection: 'column', alignItems: 'center', gap: 12 }}>
      <div style={{ fontWeight: 600 }}>
        {p.visitorName} · {windowText(p, lang)}
      </div>
      {p.token ? (
        <div data-testid="visitor-qr" data-token={p.token}>
          <QRCode type="svg" value={p.token} size={240} />
        </div>
      ) : null}
      <div>{t('access.code.hint')}</div>
      <div data-testid="visitor-code" style={{ fontSize: 32, letterSpacing: 4, fontFamily: 'monospace' }}>
        {p.code}
      </div>
    </div>
  );
}

/** 访客邀请: invite a visitor for a time window → QR code and short code; my invitations with revoke. */
export function VisitorsPage({ community }: { community: string }) {
  const trpc = useTRPC();
  const t = useT();
  const { lang } = useLang();
  const { token } = theme.useToken();
  const { message, modal } = App.useApp();
  const [form] = Form.useForm<InviteForm>();
  const [shown, setShown] = useState<(Pass & { token: string | null }) | null>(null);
  const mine = useQuery(trpc.access.myInvitations.queryOptions({ community }));
  const invite = useMutation(
    trpc.access.invite.mutationOptions({
      onSuccess: (p) => {
        message.success(t('access.invite.done'));
        setShown(p as Pass);
        form.resetFields(['visitorName', 'visitorPhone']);
        void mine.refetch();
      },
      onError: (e) => message.error(errorMessage(e, lang, t('common.networkError'))),
    }),
  );
  const revoke = useMutation(
    trpc.access.revoke.mutationOptions({
      onSuccess: () => {
        message.success(t('access.revoke.done'));
        void mine.refetch();
      },
      onError: (e) => message.error(errorMessage(e, lang, t('common.networkError'))),
    }),
  );
  const submit = (v: InviteForm) =>
    invite.mutate({
      community,
      visitorName: v.visitorName,
      visitorPhone: v.visitorPhone || undefined,
      validFrom: new Date(`${v.day}T${v.from}:00+08:00`).toISOString(),
      validUntil: new Date(`${v.day}T${v.until}:00+08:00`).toISOString(),
      maxEntries: v.maxEntries,
    });
  const big = { size: 'large' as const };
  return (
    <div style={{ marginTop: 16 }}>
      <Typography.Title level={4}>{t('access.invite.title')}</Typography.Title>
      <Form
        form={form}
        layout="vertical"
        onFinish={submit}
        initialValues={{ day: today(), from: hourFromNow(0), until: hourFromNow(3), maxEntries: 1 }}
        data-testid="invite-form"
      >
        <Form.Item
          name="visitorName"
          label={t('access.invite.name')}
          rules={[{ required: true, whitespace: true, message: t('access.invite.nameRequired') }]}
        >
          <Input {...big} maxLength={40} data-testid="invite-name" />
        </Form.Item>
        <Form.Item name="visitorPhone" label={t('access.invite.phone')}>
          <Input {...big} inputMode="tel" maxLength={11} data-testid="invite-phone" />
        </Form.Item>
        <Form.Item name="day" label={t('access.invite.day')} rules={[{ required: true }]}>
          <Input {...big} type="date" data-testid="invite-day" />
        </Form.Item>
        <div style={{ display: 'flex', gap: 12 }}>
          <Form.Item name="from" label={t('access.invite.from')} rules={[{ required: true }]} style={{ flex: 1 }}>
            <Input {...big} type="time" data-testid="invite-from" />
          </Form.Item>
          <Form.Item name="until" label={t('access.invite.until')} rules={[{ required: true }]} style={{ flex: 1 }}>
            <Input {...big} type="time" data-testid="invite-until" />
          </Form.Item>
        </div>
        <Form.Item name="maxEntries" label={t('access.invite.entries')}>
          <InputNumber {...big} min={1} max={20} style={{ width: '100%' }} />
        </Form.Item>
        <Button
          type="primary"
          htmlType="submit"
          size="large"
          block
          loading={invite.isPending}
          data-testid="invite-submit"
        >
          {t('access.invite.submit')}
        </Button>
      </Form>

      <Typography.Title level={5} style={{ marginTop: 24 }}>
        {t('access.mine')}
      </Typography.Title>
      {mine.isPending ? <PageLoading /> : null}
      {mine.error ? <PageError error={mine.error} onRetry={() => mine.refetch()} /> : null}
      {mine.data?.length === 0 ? <Empty description={t('access.mine.empty')} /> : null}
      {mine.data?.map((p) => (
        <Card
          key={p.id}
          data-testid="my-invitation"
          data-status={p.status}
          style={{ marginBottom: 12 }}
          styles={{ body: { padding: 16 } }}
        >
          <div style={{ display: 'flex', justifyContent: 'space-between', gap: 8, alignItems: 'baseline' }}>
            <span style={{ fontSize: token.fontSize * 1.2, fontWeight: 600 }}>{p.visitorName}</span>
            <Tag color={statusColour[p.status]}>{t(`access.status.${p.status}` as MessageKey)}</Tag>
          </div>
          <div style={{ fontSize: token.fontSize * 1.1, marginTop: 4 }}>{windowText(p, lang)}</div>
          <div style={{ color: token.colorTextSecondary }}>
            {t('access.entries', { n: p.entries, max: p.maxEntries })}
            {p.visitorPhoneMasked ? ` · ${p.visitorPhoneMasked}` : ''}
          </div>
          {p.status === 'active' ? (
            <div style={{ display: 'flex', gap: 8, marginTop: 12 }}>
              <Button
                size="large"
                type="primary"
                icon={<QrcodeOutlined />}
                onClick={() => setShown(p)}
                data-testid="invitation-code"
              >
                {t('access.code.show')}
              </Button>
              <Button
                size="large"
                danger
                data-testid="invitation-revoke"
                onClick={() =>
                  modal.confirm({
                    title: t('access.revoke.confirm'),
                    content: `${p.visitorName} ${windowText(p, lang)}`,
                    okText: t('access.revoke'),
                    okButtonProps: {
                      danger: true,
                      size: 'large',
                      'data-testid': 'invitation-revoke-ok',
                    } as ButtonProps,
                    cancelButtonProps: { size: 'large' },
                    cancelText: t('access.back'),
                    onOk: () => revoke.mutateAsync({ community, id: p.id }),
                  })
                }
              >
                {t('access.revoke')}
              </Button>
            </div>
          ) : null}
        </Card>
      ))}
      <Modal open={!!shown} title={t('access.code.title')} footer={null} onCancel={() => setShown(null)}>
        {shown ? <PassCode p={shown} /> : null}
      </Modal>
    </div>
  );
}
