'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Input, Rate, Select, Space } from 'antd';
import { useState } from 'react';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';
import { actionLabel } from './event-labels';

interface Props {
  community: string;
  id: string;
  version: number;
  allowed: string[];
  /** The desk shows every allowed transition and the worker picker; residents rate and reopen. */
  desk: boolean;
}

/** The transitions the viewer may take now, as buttons; refusals are shown in the viewer's language. */
export function EventActions({ community, id, version, allowed, desk }: Props) {
  const t = useT();
  const { lang } = useLang();
  const { message } = App.useApp();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [assignee, setAssignee] = useState<string>();
  const [rating, setRating] = useState(0);
  const [comment, setComment] = useState('');
  const [note, setNote] = useState('');
  const workers = useQuery({
    ...trpc.events.workers.queryOptions({ community }),
    enabled: desk && allowed.includes('assign'),
  });
  const move = useMutation(
    trpc.events.transition.mutationOptions({
      onSuccess: async () => {
        message.success(t('events.done'));
        setNote('');
        await qc.invalidateQueries({ queryKey: trpc.events.pathKey() });
      },
      onError: async () => {
        // The event may have moved on: show what it is now beside the refusal.
        await qc.invalidateQueries({ queryKey: trpc.events.get.queryKey({ community, id }) });
      },
    }),
  );
  const go = (event: string, extra: Record<string, unknown> = {}) =>
    move.mutate({ community, id, event, version, ...(note.trim() ? { note: note.trim() } : {}), ...extra });
  const plain = allowed.filter((a) => a !== 'assign' && a !== 'rate' && (desk || a === 'reopen'));
  // Nothing to do and nothing refused: no empty card.
  if (!move.error && !plain.length && !allowed.includes('rate') && !(desk && allowed.includes('assign'))) return null;
  return (
    <Card style={{ marginTop: 16 }} styles={{ body: { padding: 16 } }}>
      <div data-testid="event-actions" style={{ display: 'flex', flexDirection: 'column', gap: 12 }}>
        {move.error ? (
          <Alert
            type="error"
            showIcon
            data-testid="event-action-error"
            title={errorMessage(move.error, lang, t('common.networkError'))}
          />
        ) : null}
        {allowed.includes('rate') ? (
          <div data-testid="event-rate">
            <div style={{ fontWeight: 600, marginBottom: 8 }}>{t('events.rate.title')}</div>
            <Rate value={rating} onChange={setRating} style={{ fontSize: 32 }} />
            <Input.TextArea
              style={{ marginTop: 8 }}
              rows={2}
              maxLength={500}
              value={comment}
              onChange={(e) => setComment(e.target.value)}
              placeholder={t('events.rate.comment')}
              data-testid="event-rate-comment"
            />
            <Button
              type="primary"
              size="large"
              block
              style={{ marginTop: 8 }}
              disabled={rating < 1}
              loading={move.isPending}
              onClick={() => go('rate', { rating, comment: comment.trim() || undefined })}
              data-testid="event-rate-submit"
            >
              {t('events.rate.submit')}
            </Button>
          </div>
        ) : null}
        {desk && allowed.length ? (
          <Input.TextArea
            rows={2}
            maxLength={1000}
            value={note}
            onChange={(e) => setNote(e.target.value)}
            placeholder={t('events.note')}
            data-testid="event-note"
          />
        ) : null}
        {desk && allowed.includes('assign') ? (
          <Space.Compact style={{ width: '100%' }}>
            <Select
              style={{ flex: 1 }}
              placeholder={t('events.assign.worker')}
              value={assignee}
              onChange={setAssignee}
              loading={workers.isLoading}
              data-testid="event-assignee"
              options={(workers.data ?? []).map((w) => ({ value: w.id, label: w.displayName }))}
            />
            <Button
              type="primary"
              disabled={!assignee}
              loading={move.isPending}
              onClick={() => go('assign', { assigneeId: assignee })}
              data-testid="event-action-assign"
            >
              {actionLabel(t, 'assign')}
            </Button>
          </Space.Compact>
        ) : null}
        {plain.length ? (
          <Space wrap>
            {plain.map((a) => (
              <Button
                key={a}
                size="large"
                type={a === 'reopen' ? 'default' : 'primary'}
                loading={move.isPending}
                onClick={() => go(a)}
                data-testid={`event-action-${a}`}
              >
                {a === 'reopen' && !desk ? t('events.reopen') : actionLabel(t, a)}
              </Button>
            ))}
          </Space>
        ) : null}
      </div>
    </Card>
  );
}
