'use client';

import Form from '@rjsf/antd';
import type { RJSFSchema } from '@rjsf/utils';
import { useMutation } from '@tanstack/react-query';
import { Alert, Card, Select, Space, Tabs, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { rjsfStrings } from '@/components/apps/rjsf-zh';
import { validators } from '@/components/people/person-form-shared';
import { useLang, useT } from '@/i18n/lang-provider';
import { appErrorData, errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';
import { dataTypeSchema, fieldsSchema, type ThingModel } from './tsl-schema';

type Outcome = { type: 'success' | 'info' | 'error'; text: string; detail?: string };

/** Commands an operator sends a device: set its writable properties, or call one of its services (forms from TSL). */
export function DeviceCommands({
  productKey,
  deviceName,
  model,
}: {
  productKey: string;
  deviceName: string;
  model: ThingModel;
}) {
  const t = useT();
  const { lang } = useLang();
  const trpc = useTRPC();
  const command = useMutation(trpc.iot.devices.command.mutationOptions());
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const writable = model.properties.filter((p) => p.accessMode !== 'r');
  const [service, setService] = useState(model.services[0]?.identifier);
  const setSchema = useMemo<RJSFSchema>(
    () => ({
      type: 'object',
      properties: Object.fromEntries(writable.map((p) => [p.identifier, dataTypeSchema(p.dataType, p.name)])),
    }),
    [writable],
  );
  const svc = model.services.find((s) => s.identifier === service);
  const svcSchema = useMemo(() => (svc ? fieldsSchema(svc.inputData) : null), [svc]);

  const send = async (cmd: Parameters<typeof command.mutateAsync>[0]['command']) => {
    setOutcome(null);
    try {
      const r = await command.mutateAsync({ productKey, deviceName, command: cmd });
      if ('queued' in r) {
        setOutcome({ type: 'info', text: t('iot.command.queued') });
        return;
      }
      const reply = r.reply;
      if (!r.delivered) setOutcome({ type: 'info', text: t('iot.command.offline') });
      else if (!reply) setOutcome({ type: 'success', text: t('iot.command.delivered') });
      else
        setOutcome({
          type: reply && reply.code !== 200 ? 'error' : 'success',
          text: t('iot.command.sent'),
          detail: reply ? t('iot.command.result', { result: JSON.stringify(reply) }) : undefined,
        });
    } catch (e) {
      const fields = appErrorData(e)?.fieldErrors;
      setOutcome({
        type: 'error',
        text: errorMessage(e, lang, t('common.unknownError')),
        detail: fields
          ? Object.entries(fields)
              .map(([k, m]) => `${k}: ${m.join('; ')}`)
              .join('\n')
          : undefined,
      });
    }
  };
  const submitProps = (testId: string) => ({
    'ui:submitButtonOptions': { submitText: t('iot.command.send'), props: { type: 'primary', 'data-testid': testId } },
  });

  return (
    <Card title={t('iot.command.invoke')} size="small" data-testid="device-commands">
      {outcome ? (
        <Alert
          type={outcome.type}
          showIcon
          title={outcome.text}
          description={outcome.detail ? <Typography.Text code>{outcome.detail}</Typography.Text> : undefined}
          style={{ marginBottom: 16 }}
          data-testid="command-outcome"
        />
      ) : null}
      <Tabs
        items={[
          {
            key: 'service',
            label: t('iot.command.invoke'),
            children:
              model.services.length === 0 ? (
                <Typography.Text type="secondary">{t('iot.command.noServices')}</Typography.Text>
              ) : (
                <Space orientation="vertical" style={{ width: '100%' }}>
                  <Select
                    value={service}
                    onChange={setService}
                    style={{ minWidth: 240 }}
                    data-testid="command-service"
                    options={model.services.map((s) => ({ value: s.identifier, label: s.name }))}
                  />
                  {svcSchema && service ? (
                    <Form
                      key={service}
                      schema={svcSchema}
                      validator={validators[lang]}
                      translateString={rjsfStrings(lang)}
                      uiSchema={submitProps('command-service-send')}
                      onSubmit={({ formData }) => send({ kind: 'service', service, params: formData ?? {} })}
                    />
                  ) : null}
                </Space>
              ),
          },
          {
            key: 'set',
            label: t('iot.command.set'),
            children:
              writable.length === 0 ? (
                <Typography.Text type="secondary">{t('iot.command.noWritable')}</Typography.Text>
              ) : (
                <Form
                  schema={setSchema}
                  validator={validators[lang]}
                  translateString={rjsfStrings(lang)}
                  uiSchema={submitProps('command-set-send')}
                  onSubmit={({ formData }) => send({ kind: 'set', params: formData ?? {}, waitMs: 3000 })}
                />
              ),
          },
        ]}
      />
    </Card>
  );
}
