'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { inferOutput } from '@trpc/tanstack-react-query';
import { Alert, App, Button, Card, Empty, Tag, Typography, theme } from 'antd';
import { useState } from 'react';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';

type Item = inferOutput<ReturnType<typeof useTRPC>['points']['shop']['items']>[number];

/** The rewards on sale: one big button each, a plain confirm, and the pickup code right after. */
export function PointsShop({ community, balance }: { community: string; balance: number }) {
  const t = useT();
  const { lang } = useLang();
  const { token } = theme.useToken();
  const { modal } = App.useApp();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const items = useQuery(trpc.points.shop.items.queryOptions({ community }));
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const redeem = useMutation(trpc.points.shop.redeem.mutationOptions());

  const ask = (item: Item) => {
    const name = lang === 'en' && item.nameEn ? item.nameEn : item.name;
    modal.confirm({
      title: t('points.shop.confirm', { name, price: item.price }),
      okText: t('points.shop.confirm.ok'),
      cancelText: t('common.cancel'),
      okButtonProps: { size: 'large', 'data-testid': 'redeem-confirm' } as { size: 'large' } & Record<
        `data-${string}`,
        string
      >,
      cancelButtonProps: { size: 'large' },
      onOk: async () => {
        setError(null);
        setDone(null);
        try {
          const r = await redeem.mutateAsync({ community, itemId: item.id, idempotencyKey: crypto.randomUUID() });
          setDone(r.pickupCode);
        } catch (e) {
          setError(errorMessage(e, lang, t('common.unknownError')));
        } finally {
          await qc.invalidateQueries({ queryKey: trpc.points.pathKey() });
        }
      },
    });
  };

  return (
    <div>
      {done ? (
        <Alert
          type="success"
          showIcon
          title={t('points.shop.done', { code: done })}
          style={{ marginBottom: 12, fontSize: token.fontSize }}
          data-testid="redeem-done"
        />
      ) : null}
      {error ? (
        <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} data-testid="redeem-error" />
      ) : null}
      {items.data && items.data.length === 0 ? <Empty description={t('points.shop.empty')} /> : null}
      {(items.data ?? []).map((item) => {
        const soldOut = item.stock === 0;
        const short = balance < item.price;
        return (
          <Card key={item.id} style={{ marginBottom: 12 }} data-testid="shop-item" data-name={item.name}>
            <div style={{ display: 'flex', alignItems: 'center', gap: 12 }}>
              <div style={{ flex: 1 }}>
                <div style={{ fontWeight: 600, fontSize: token.fontSize * 1.1 }}>
                  {lang === 'en' && item.nameEn ? item.nameEn : item.name}
                </div>
                {item.description ? <Typography.Text type="secondary">{item.description}</Typography.Text> : null}
                <div style={{ marginTop: 4 }}>
                  <Tag color="orange" style={{ fontSize: token.fontSizeSM }}>
                    {t('points.shop.price', { price: item.price })}
                  </Tag>
                  <Typography.Text type="secondary">
                    {soldOut ? t('points.shop.soldOut') : t('points.shop.stock', { stock: item.stock })}
                  </Typography.Text>
                </div>
              </div>
              <Button
                type="primary"
                size="large"
                disabled={soldOut || short}
                onClick={() => ask(item)}
                data-testid="shop-redeem"
              >
                {soldOut ? t('points.shop.soldOut') : short ? t('points.shop.notEnough') : t('points.shop.redeem')}
              </Button>
            </div>
          </Card>
        );
      })}
    </div>
  );
}
