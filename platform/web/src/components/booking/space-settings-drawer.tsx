'use client';

import { useMutation } from '@tanstack/react-query';
import type { inferOutput } from '@trpc/tanstack-react-query';
import { Alert, App, Button, Checkbox, Drawer, Form, Input, InputNumber, Select, Switch, TimePicker } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useState } from 'react';
import { type MessageKey, translateDynamic } from '@/i18n/lang';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';

type Space = inferOutput<ReturnType<typeof useTRPC>['booking']['allSpaces']>[number];

const weekdays = [1, 2, 3, 4, 5, 6, 7];
const roleOptions = ['resident', 'property_staff', 'grid_worker', 'community_admin'];

interface Values {
  enabled: boolean;
  days: number[];
  hours: [Dayjs, Dayjs];
  slotMinutes: number;
  capacity: number;
  allowedRoles: string[];
  maxPerWeek: number | null;
  holdMinutes: number;
  cancelBeforeMinutes: number;
  advanceDays: number;
  feeYuan: number;
  rules: string;
}

/** The form edits one window a day on the chosen weekdays; the service accepts several windows per day. */
function initial(space: Space): Values {
  const s = space.settings;
  const firstOpen = s?.openingHours.find((d) => d.length > 0)?.[0];
  return {
    enabled: s?.enabled ?? true,
    days: s ? weekdays.filter((d) => (s.openingHours[d - 1]?.length ?? 0) > 0) : weekdays,
    hours: [dayjs(`2000-01-01T${firstOpen?.open ?? '08:00'}`), dayjs(`2000-01-01T${firstOpen?.close ?? '21:00'}`)],
    slotMinutes: s?.slotMinutes ?? 60,
    capacity: s?.capacity ?? 1,
    allowedRoles: s?.allowedRoles ?? [],
    maxPerWeek: s?.maxPerWeek ?? null,
    holdMinutes: s?.holdMinutes ?? 10,
    cancelBeforeMinutes: s?.cancelBeforeMinutes ?? 120,
    advanceDays: s?.advanceDays ?? 7,
    feeYuan: (s?.feeFen ?? 0) / 100,
    rules: s?.rules ?? '',
  };
}

export function SpaceSettingsDrawer({
  community,
  space,
  onClose,
  onSaved,
}: {
  community: string;
  space: Space | null;
  onClose: () => void;
  onSaved: () => void;
}) {
  const trpc = useTRPC();
  const t = useT();
  const { lang } = useLang();
  const { message } = App.useApp();
  const [error, setError] = useState<string | null>(null);
  const save = useMutation(
    trpc.booking.saveSpace.mutationOptions({
      onSuccess: () => {
        message.success(t('booking.form.saved'));
        setError(null);
        onSaved();
      },
      onError: (e) => setError(errorMessage(e, lang, t('common.networkError'))),
    }),
  );
  if (!space) return null;
  const submit = (v: Values) => {
    const open = v.hours[0].format('HH:mm');
    const close = v.hours[1].format('HH:mm') === '00:00' ? '24:00' : v.hours[1].format('HH:mm');
    save.mutate({
      community,
      spaceId: space.spaceId,
      expectedVersion: space.settings?.version ?? 0,
      settings: {
        enabled: v.enabled,
        openingHours: weekdays.map((d) => (v.days.includes(d) ? [{ open, close }] : [])),
        slotMinutes: v.slotMinutes,
        capacity: v.capacity,
        allowedRoles: v.allowedRoles,
        maxPerWeek: v.maxPerWeek ?? null,
        holdMinutes: v.holdMinutes,
        cancelBeforeMinutes: v.cancelBeforeMinutes,
        advanceDays: v.advanceDays,
        feeFen: Math.round((v.feeYuan ?? 0) * 100),
        rules: v.rules?.trim() ? v.rules.trim() : null,
      },
    });
  };
  return (
    <Drawer open title={`${space.name} · ${t('booking.console.edit')}`} size="large" onClose={onClose} destroyOnHidden>
      {error ? (
        <Alert type="error" showIcon title={error} data-testid="space-settings-error" style={{ marginBottom: 16 }} />
      ) : null}
      <Form<Values>
        layout="vertical"
        initialValues={initial(space)}
        onFinish={submit}
        data-testid="space-settings-form"
      >
        <Form.Item name="enabled" label={t('booking.form.enabled')} valuePropName="checked">
          <Switch />
        </Form.Item>
        <Form.Item name="days" label={t('booking.form.days')}>
          <Checkbox.Group
            options={weekdays.map((d) => ({ value: d, label: t(`booking.weekday.${d}` as MessageKey) }))}
          />
        </Form.Item>
        <Form.Item
          name="hours"
          label={`${t('booking.form.open')} – ${t('booking.form.close')}`}
          rules={[{ required: true }]}
        >
          <TimePicker.RangePicker format="HH:mm" minuteStep={15} />
        </Form.Item>
        <Form.Item name="slotMinutes" label={t('booking.form.slotMinutes')}>
          <Select options={[30, 60, 90, 120, 180, 240].map((m) => ({ value: m, label: m }))} />
        </Form.Item>
        <Form.Item name="capacity" label={t('booking.form.capacity')}>
          <InputNumber min={1} max={100} precision={0} />
        </Form.Item>
        <Form.Item name="allowedRoles" label={t('booking.form.allowedRoles')}>
          <Select
            mode="multiple"
            options={roleOptions.map((r) => ({ value: r, label: translateDynamic(lang, 'role', r) }))}
          />
        </Form.Item>
        <Form.Item name="maxPerWeek" label={t('booking.form.maxPerWeek')}>
          <InputNumber min={1} max={100} precision={0} />
        </Form.Item>
        <Form.Item name="holdMinutes" label={t('booking.form.holdMinutes')}>
          <InputNumber min={1} max={120} precision={0} />
        </Form.Item>
        <Form.Item name="cancelBeforeMinutes" label={t('booking.form.cancelBeforeMinutes')}>
          <InputNumber min={0} max={10080} precision={0} />
        </Form.Item>
        <Form.Item name="advanceDays" label={t('booking.form.advanceDays')}>
          <InputNumber min={1} max={90} precision={0} />
        </Form.Item>
        <Form.Item name="feeYuan" label={t('booking.form.feeYuan')}>
          <InputNumber min={0} max={1_000_000} precision={2} />
        </Form.Item>
        <Form.Item name="rules" label={t('booking.form.rules')}>
          <Input.TextArea rows={3} maxLength={1000} />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={save.isPending} data-testid="space-settings-save">
          {t('booking.form.save')}
        </Button>
      </Form>
    </Drawer>
  );
}
