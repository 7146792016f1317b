'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { Alert, Button, Input, List, Rate, Space, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useT } from '@/i18n/lang-provider';
import { useCommunityCode } from '@/lib/community';
import { useTRPC } from '@/lib/trpc';
import { useShell } from '../shell/shell-context';
import { useMarketAction } from './use-market-action';

/** Average and count of an app's ratings, in one line (stars and words). */
export function RatingLine({ rating, testId }: { rating: { average: number | null; count: number }; testId?: string }) {
  const t = useT();
  return (
    <Space size={6} wrap={false} data-testid={testId} data-average={rating.average ?? ''} data-count={rating.count}>
      <Rate disabled allowHalf value={rating.average ?? 0} style={{ fontSize: 12, whiteSpace: 'nowrap' }} />
      <Typography.Text type="secondary">
        {rating.average === null
          ? t('market.rating.none')
          : t('market.rating.summary', { average: rating.average.toFixed(1), count: rating.count })}
      </Typography.Text>
    </Space>
  );
}

/**
 * Ratings and reviews of one app: the community's own review (written by its operators while the app is installed
 * there, editable), everyone's visible reviews with the publisher's replies; reviewers hide one with a reason.
 */
export function AppReviews({ pluginId, publisher }: { pluginId: string; publisher: string }) {
  const trpc = useTRPC();
  const t = useT();
  const { me } = useShell();
  const own = useCommunityCode();
  const operates = Boolean(own) && me.permissions.includes('market.operate');
  const reviewer = me.permissions.includes('market.review');
  // Only members of the app's own publisher get a reply box (the server checks it again).
  const publishers = useQuery({
    ...trpc.market.publishers.queryOptions(),
    enabled: me.permissions.includes('market.publish'),
  });
  const publishes = (publishers.data ?? []).some((p) => p.slug === publisher);
  const reviews = useQuery(
    trpc.market.reviews.queryOptions({ pluginId, community: operates ? (own ?? undefined) : undefined }),
  );
  const installs = useQuery({
    ...trpc.market.installs.queryOptions({ community: own ?? '' }),
    enabled: operates,
  });
  const installed = (installs.data ?? []).some((i) => i.pluginId === pluginId);
  const mine = (reviews.data ?? []).find((r) => r.own);
  const [rating, setRating] = useState(0);
  const [body, setBody] = useState('');
  useEffect(() => {
    if (mine) {
      setRating(mine.rating);
      setBody(mine.body);
    }
  }, [mine]);
  const action = useMarketAction();
  const rate = useMutation(
    trpc.market.rate.mutationOptions({
      onSuccess: () => action.onSuccess(t('market.reviews.saved')),
      onError: action.onError,
    }),
  );
  const reply = useMutation(
    trpc.market.replyReview.mutationOptions({ onSuccess: () => action.onSuccess(), onError: action.onError }),
  );
  const hide = useMutation(
    trpc.market.hideReview.mutationOptions({ onSuccess: () => action.onSuccess(), onError: action.onError }),
  );
  const [replies, setReplies] = useState<Record<string, string>>({});
  const [reasons, setReasons] = useState<Record<string, string>>({});
  return (
    <div data-testid="market-reviews">
      {operates ? (
        installed ? (
          <Space direction="vertical" style={{ width: '100%', marginBottom: 16 }} data-testid="market-review-form">
            <Typography.Text strong>{t('market.reviews.mine')}</Typography.Text>
            <Rate
              value={rating}
              onChange={setRating}
              data-testid="market-review-rating"
              aria-label={t('market.reviews.rate')}
            />
            <Input.TextArea
              rows={3}
              maxLength={2000}
              showCount
              value={body}
              onChange={(e) => setBody(e.target.value)}
              placeholder={t('market.reviews.body')}
              data-testid="market-review-body"
            />
            <Button
              type="primary"
              disabled={rating < 1}
              loading={rate.isPending}
              data-testid="market-review-submit"
              onClick={() => rate.mutate({ community: own as string, pluginId, rating, body })}
            >
              {t(mine ? 'market.reviews.update' : 'market.reviews.submit')}
            </Button>
          </Space>
        ) : installs.data ? (
          <Alert
            type="info"
            showIcon
            message={t('market.reviews.needInstall')}
            style={{ marginBottom: 16 }}
            data-testid="market-review-need-install"
          />
        ) : null
      ) : null}
      <List
        size="small"
        loading={reviews.isLoading}
        locale={{ emptyText: t('market.reviews.empty') }}
        dataSource={reviews.data ?? []}
        renderItem={(r) => (
          <List.Item data-testid={`market-review-${r.id}`}>
            <Space direction="vertical" style={{ width: '100%' }} size={4}>
              <Space wrap>
                <Rate disabled value={r.rating} style={{ fontSize: 14 }} />
                {r.own ? <Tag color="blue">{t('market.reviews.own')}</Tag> : null}
                <Typography.Text type="secondary">
                  {t('market.reviews.version', { version: r.version })}
                </Typography.Text>
                <Typography.Text type="secondary">{new Date(r.updatedAt).toLocaleDateString()}</Typography.Text>
                {r.hidden ? <Tag color="red">{t('market.reviews.hidden', { reason: r.hidden.reason })}</Tag> : null}
              </Space>
              {r.body ? <Typography.Paragraph style={{ marginBottom: 0 }}>{r.body}</Typography.Paragraph> : null}
              {r.reply ? (
                <Typography.Paragraph type="secondary" style={{ marginBottom: 0 }} data-testid="market-review-reply">
                  {t('market.reviews.reply')}：{r.reply}
                </Typography.Paragraph>
              ) : publishes ? (
                <Space.Compact style={{ width: '100%' }}>
                  <Input
                    maxLength={2000}
                    value={replies[r.id] ?? ''}
                    onChange={(e) => setReplies({ ...replies, [r.id]: e.target.value })}
                    placeholder={t('market.reviews.replyPlaceholder')}
                    data-testid="market-review-reply-input"
                  />
                  <Button
                    disabled={!replies[r.id]?.trim()}
                    loading={reply.isPending}
                    onClick={() => reply.mutate({ id: r.id, reply: replies[r.id] ?? '' })}
                    data-testid="market-review-reply-submit"
                  >
                    {t('market.reviews.replyAction')}
                  </Button>
                </Space.Compact>
              ) : null}
              {reviewer && !r.hidden ? (
                <Space.Compact style={{ width: '100%' }}>
                  <Input
                    maxLength={500}
                    value={reasons[r.id] ?? ''}
                    onChange={(e) => setReasons({ ...reasons, [r.id]: e.target.value })}
                    placeholder={t('market.reviews.hideReason')}
                    data-testid="market-review-hide-reason"
                  />
                  <Button
                    danger
                    disabled={!reasons[r.id]?.trim()}
                    loading={hide.isPending}
                    onClick={() => hide.mutate({ id: r.id, reason: reasons[r.id] ?? '' })}
                    data-testid="market-review-hide"
                  >
                    {t('market.reviews.hide')}
                  </Button>
                </Space.Compact>
              ) : null}
            </Space>
          </List.Item>
        )}
      />
    </div>
  );
}
