'use client';

import { CodeOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Input, Popconfirm, Space, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';

/** What a new codec starts from: both Alink entry points, for a frame of one 16-bit property. */
const template = `// rawDataToProtocol(bytes): bytes is an array of numbers 0–255; answer an Alink message.
function rawDataToProtocol(bytes, meta) {
  return {
    method: 'thing.event.property.post',
    id: String(Date.now()),
    params: { temperature: ((bytes[0] << 8) | bytes[1]) / 10 },
  };
}

// protocolToRawData(json): downlink (property set, service call) or a post's reply → an array of bytes, or null.
function protocolToRawData(json) {
  return null;
}
`;

const mono = { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', fontSize: 13 };

/**
 * A product's raw-data codec (Alink 数据解析): edit the script, try it on hex bytes in the sandbox, store it (checked
 * there first). Devices of a product with a codec may post binary on thing/model/up_raw.
 */
export function ProductCodec({ productKey }: { productKey: string }) {
  const t = useT();
  const { lang } = useLang();
  const { message } = App.useApp();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const stored = useQuery(trpc.iot.products.codec.get.queryOptions({ productKey }));
  const [script, setScript] = useState<string | null>(null);
  const [hex, setHex] = useState('');
  useEffect(() => {
    if (stored.data && script === null) setScript(stored.data.script ?? template);
  }, [stored.data, script]);
  const fail = (e: unknown) => message.error(errorMessage(e, lang, t('common.unknownError')));
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.iot.products.codec.get.queryKey({ productKey }) });
  const save = useMutation(
    trpc.iot.products.codec.set.mutationOptions({
      onSuccess: (r) => {
        message.success(t(r.hasCodec ? 'iot.codec.saved' : 'iot.codec.removed'));
        if (!r.hasCodec) setScript(template);
        refresh();
      },
      onError: fail,
    }),
  );
  const run = useMutation(trpc.iot.products.codec.test.mutationOptions({ onError: fail }));
  const result = run.data;

  return (
    <Card
      size="small"
      title={
        <Space>
          <CodeOutlined />
          {t('iot.codec.title')}
        </Space>
      }
      extra={
        stored.data?.script ? (
          <Typography.Text type="success" data-testid="codec-state">
            {t('iot.codec.on')}
          </Typography.Text>
        ) : (
          <Typography.Text type="secondary" data-testid="codec-state">
            {t('iot.codec.off')}
          </Typography.Text>
        )
      }
      data-testid="product-codec"
    >
      <Space orientation="vertical" size={12} style={{ width: '100%' }}>
        <Typography.Text type="secondary">{t('iot.codec.hint')}</Typography.Text>
        <Input.TextArea
          value={script ?? ''}
          onChange={(e) => setScript(e.target.value)}
          autoSize={{ minRows: 10, maxRows: 30 }}
          spellCheck={false}
          style={mono}
          aria-label={t('iot.codec.script')}
          data-testid="codec-script"
        />
        <Space wrap>
          <Input
            value={hex}
            onChange={(e) => setHex(e.target.value)}
            placeholder={t('iot.codec.hex.placeholder')}
            style={{ ...mono, width: 320 }}
            aria-label={t('iot.codec.hex')}
            data-testid="codec-hex"
          />
          <Button
            onClick={() => run.mutate({ productKey, script: script ?? '', hex })}
            loading={run.isPending}
            disabled={!hex.trim() || !script?.trim()}
            data-testid="codec-run"
          >
            {t('iot.codec.run')}
          </Button>
          <Button
            type="primary"
            onClick={() => save.mutate({ productKey, script: script ?? '' })}
            loading={save.isPending}
            data-testid="codec-save"
          >
            {t('iot.codec.save')}
          </Button>
          {stored.data?.script ? (
            <Popconfirm
              title={t('iot.codec.remove.confirm')}
              onConfirm={() => save.mutate({ productKey, script: null })}
            >
              <Button danger>{t('iot.codec.remove')}</Button>
            </Popconfirm>
          ) : null}
        </Space>
        {result ? (
          result.ok ? (
            <div>
              <Typography.Text strong>{t('iot.codec.decoded')}</Typography.Text>
              <pre style={{ ...mono, margin: 0 }} data-testid="codec-result">
                {'hex' in result ? (result.hex ?? 'null') : JSON.stringify(result.value, null, 2)}
              </pre>
            </div>
          ) : (
            <Alert
              type="error"
              showIcon
              title={t('iot.codec.failed', { kind: result.error.kind })}
              description={<span data-testid="codec-error">{result.error.message}</span>}
            />
          )
        ) : null}
      </Space>
    </Card>
  );
}
