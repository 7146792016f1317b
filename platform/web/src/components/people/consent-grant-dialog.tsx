'use client';

import { useMutation } from '@tanstack/react-query';
import type { inferInput } from '@trpc/tanstack-react-query';
import { Alert, App, Checkbox, Modal, Select, Space, Typography } from 'antd';
import { useState } from 'react';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';
import { type ConsentOptions, categoryLabel, channelLabel, purposeLabel } from './consent-labels';

type GrantInput = inferInput<ReturnType<typeof useTRPC>['base']['consents']['grant']>;
type Purpose = GrantInput['purpose'];
type Category = GrantInput['categories'][number];
type Channel = GrantInput['channel'];

/** Records a resident's consent: what for, which data, and how it was given (app, paper form, …). */
export function ConsentGrantDialog(props: {
  community: string;
  personId: string;
  options: ConsentOptions | undefined;
  open: boolean;
  onClose(): void;
  onGranted(): void;
}) {
  const t = useT();
  const { lang } = useLang();
  const trpc = useTRPC();
  const { message } = App.useApp();
  const [purpose, setPurpose] = useState<Purpose | undefined>();
  const [categories, setCategories] = useState<Category[]>([]);
  const [channel, setChannel] = useState<Channel | undefined>();
  const grant = useMutation(
    trpc.base.consents.grant.mutationOptions({
      onSuccess: () => {
        message.success(t('consent.granted'));
        setPurpose(undefined);
        setCategories([]);
        setChannel(undefined);
        props.onGranted();
        props.onClose();
      },
    }),
  );
  const ready = Boolean(purpose && channel && categories.length > 0);
  const submit = () => {
    if (!purpose || !channel) return;
    grant.mutate({ community: props.community, personId: props.personId, purpose, categories, channel });
  };

  const o = props.options;
  return (
    <Modal
      open={props.open}
      title={t('consent.grant.title')}
      okText={t('consent.grant.confirm')}
      cancelText={t('common.cancel')}
      onOk={submit}
      onCancel={props.onClose}
      okButtonProps={{ disabled: !ready, loading: grant.isPending, 'data-testid': 'consent-grant-confirm' }}
      modalRender={(node) => <div data-testid="consent-grant-dialog">{node}</div>}
      destroyOnHidden
    >
      <Space orientation="vertical" size={12} style={{ width: '100%' }}>
        <div>
          <Typography.Text strong>{t('consent.field.purpose')}</Typography.Text>
          <Select
            data-testid="consent-purpose"
            style={{ width: '100%' }}
            value={purpose}
            onChange={setPurpose}
            placeholder={t('consent.placeholder.purpose')}
            options={Object.keys(o?.purposes ?? {}).map((k) => ({
              value: k as Purpose,
              label: purposeLabel(o, k, lang),
            }))}
          />
        </div>
        <div>
          <Typography.Text strong>{t('consent.field.categories')}</Typography.Text>
          <div>
            <Checkbox.Group<Category>
              data-testid="consent-categories"
              value={categories}
              onChange={(v) => setCategories(v)}
              options={Object.keys(o?.categories ?? {}).map((k) => ({
                value: k as Category,
                label: categoryLabel(o, k, t),
              }))}
            />
          </div>
        </div>
        <div>
          <Typography.Text strong>{t('consent.field.channel')}</Typography.Text>
          <Select
            data-testid="consent-channel"
            style={{ width: '100%' }}
            value={channel}
            onChange={setChannel}
            placeholder={t('consent.placeholder.channel')}
            options={(o?.channels ?? []).map((c) => ({ value: c as Channel, label: channelLabel(c, t) }))}
          />
        </div>
        {grant.error ? (
          <Alert type="error" showIcon title={errorMessage(grant.error, lang, t('common.unknownError'))} />
        ) : null}
      </Space>
    </Modal>
  );
}
