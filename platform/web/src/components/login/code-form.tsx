'use client';

import { MobileOutlined, SafetyOutlined } from '@ant-design/icons';
import { useMutation } from '@tanstack/react-query';
import { App, Button, Form, Input, Space } from 'antd';
import { useEffect, useState } from 'react';
import { useT } from '@/i18n/lang-provider';
import { useTRPC } from '@/lib/trpc';
import { applyFieldErrors } from './field-errors';

type Values = { phone: string; code: string };

const PHONE = /^1[3-9]\d{9}$/;
const CODE = /^\d{6}$/;
const RESEND_SECONDS = 60;

/** One-time SMS code login: the code is sent through the platform's message service. */
export function CodeForm({
  onDone,
  onError,
}: {
  onDone: (mfaRequired: boolean) => Promise<void>;
  onError: (e: unknown) => void;
}) {
  const t = useT();
  const trpc = useTRPC();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const requestCode = useMutation(trpc.auth.requestCode.mutationOptions());
  const login = useMutation(trpc.auth.loginWithCode.mutationOptions());
  const [wait, setWait] = useState(0);

  useEffect(() => {
    if (wait <= 0) return;
    const timer = setTimeout(() => setWait((w) => w - 1), 1000);
    return () => clearTimeout(timer);
  }, [wait]);

  const send = async () => {
    onError(null);
    let phone: string;
    try {
      phone = (await form.validateFields(['phone'])).phone;
    } catch {
      return;
    }
    try {
      await requestCode.mutateAsync({ phone: phone.trim() });
      setWait(RESEND_SECONDS);
      message.success(t('login.code.sent'));
    } catch (e) {
      applyFieldErrors(form, e);
      onError(e);
    }
  };

  const submit = async (values: Values) => {
    onError(null);
    try {
      const res = await login.mutateAsync({ phone: values.phone.trim(), code: values.code.trim() });
      await onDone(res.mfaRequired);
    } catch (e) {
      applyFieldErrors(form, e);
      onError(e);
    }
  };

  return (
    <Form form={form} name="login-code" layout="vertical" size="large" requiredMark={false} onFinish={submit}>
      <Form.Item
        label={t('login.phone')}
        name="phone"
        rules={[{ required: true, pattern: PHONE, message: t('login.phone.invalid') }]}
      >
        <Input
          prefix={<MobileOutlined />}
          placeholder={t('login.phone.placeholder')}
          inputMode="tel"
          autoComplete="tel"
          maxLength={11}
        />
      </Form.Item>
      <Form.Item label={t('login.code')} required>
        <Space.Compact style={{ width: '100%' }}>
          <Form.Item name="code" noStyle rules={[{ required: true, pattern: CODE, message: t('login.code.required') }]}>
            <Input
              prefix={<SafetyOutlined />}
              placeholder={t('login.code.placeholder')}
              inputMode="numeric"
              autoComplete="one-time-code"
              maxLength={6}
            />
          </Form.Item>
          <Button onClick={send} disabled={wait > 0} loading={requestCode.isPending}>
            {wait > 0 ? t('login.code.resend', { seconds: wait }) : t('login.code.send')}
          </Button>
        </Space.Compact>
      </Form.Item>
      <Button type="primary" htmlType="submit" block loading={login.isPending}>
        {t('login.submit')}
      </Button>
    </Form>
  );
}
