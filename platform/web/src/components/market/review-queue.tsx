'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { Button, Form, Input, Modal, Space } from 'antd';
import { useState } from 'react';
import { useT } from '@/i18n/lang-provider';
import { useTRPC } from '@/lib/trpc';
import { PageError } from '../apps/page-state';
import type { Submission } from './market-types';
import { ReportDrawer } from './report-drawer';
import { SubmissionsTable } from './submissions-table';
import { useMarketAction } from './use-market-action';

/** The reviewer queue: read the signed report, claim, approve or reject with reasons, shelve, and the kill switch. */
export function ReviewQueue() {
  const trpc = useTRPC();
  const t = useT();
  const action = useMarketAction();
  const opts = { onSuccess: () => action.onSuccess(), onError: action.onError };
  const queue = useQuery(
    trpc.market.queue.queryOptions({ states: ['submitted', 'in_review', 'approved', 'on_shelf', 'off_shelf'] }),
  );
  const claim = useMutation(trpc.market.claim.mutationOptions(opts));
  const approve = useMutation(trpc.market.approve.mutationOptions(opts));
  const shelve = useMutation(trpc.market.shelve.mutationOptions(opts));
  const unshelve = useMutation(trpc.market.unshelve.mutationOptions(opts));
  const reject = useMutation(trpc.market.reject.mutationOptions(opts));
  const kill = useMutation(
    trpc.market.kill.mutationOptions({
      onSuccess: (r) => action.onSuccess(t('market.kill.done', { count: r.disabledInstalls })),
      onError: action.onError,
    }),
  );
  const [report, setReport] = useState<Submission | null>(null);
  const [rejecting, setRejecting] = useState<Submission | null>(null);
  const [killing, setKilling] = useState<Submission | null>(null);
  const [form] = Form.useForm();
  const [killForm] = Form.useForm();

  if (queue.error) return <PageError error={queue.error} onRetry={() => queue.refetch()} />;
  const btn = (s: Submission, key: string, label: string, run: () => void, danger = false) => (
    <Button size="small" danger={danger} data-testid={`${key}-${s.id}`} onClick={run}>
      {label}
    </Button>
  );
  return (
    <>
      <SubmissionsTable
        testId="market-queue"
        rows={queue.data}
        loading={queue.isLoading}
        empty={t('market.queue.empty')}
        actions={(s) => (
          <Space wrap>
            {btn(s, 'report', t('market.report'), () => setReport(s))}
            {s.state === 'submitted' ? btn(s, 'claim', t('market.claim'), () => claim.mutate({ id: s.id })) : null}
            {s.state === 'in_review'
              ? btn(s, 'approve', t('market.approve'), () => approve.mutate({ id: s.id }))
              : null}
            {['submitted', 'in_review'].includes(s.state)
              ? btn(s, 'reject', t('market.reject'), () => setRejecting(s), true)
              : null}
            {['approved', 'off_shelf'].includes(s.state)
              ? btn(s, 'shelve', t('market.shelve'), () => shelve.mutate({ id: s.id }))
              : null}
            {s.state === 'on_shelf'
              ? btn(s, 'unshelve', t('market.unshelve'), () => unshelve.mutate({ id: s.id }))
              : null}
            {['on_shelf', 'off_shelf', 'approved'].includes(s.state)
              ? btn(s, 'kill', t('market.kill'), () => setKilling(s), true)
              : null}
          </Space>
        )}
      />
      {report ? <ReportDrawer submission={report} onClose={() => setReport(null)} /> : null}
      <Modal
        open={!!rejecting}
        title={t('market.reject')}
        onCancel={() => setRejecting(null)}
        onOk={async () => {
          const v = await form.validateFields();
          if (rejecting) reject.mutate({ id: rejecting.id, reasons: [{ zh: v.zh, en: v.en }] });
          setRejecting(null);
          form.resetFields();
        }}
      >
        <Form form={form} layout="vertical">
          <Form.Item name="zh" label={t('market.reject.zh')} rules={[{ required: true }]}>
            <Input.TextArea rows={2} />
          </Form.Item>
          <Form.Item name="en" label={t('market.reject.en')} rules={[{ required: true }]}>
            <Input.TextArea rows={2} />
          </Form.Item>
        </Form>
      </Modal>
      <Modal
        open={!!killing}
        title={killing ? `${t('market.kill')} · ${killing.pluginId}@${killing.version}` : ''}
        okButtonProps={{ danger: true, 'data-testid': 'kill-confirm' } as never}
        onCancel={() => setKilling(null)}
        onOk={async () => {
          const v = await killForm.validateFields();
          if (killing) kill.mutate({ pluginId: killing.pluginId, version: killing.version, reason: v.reason });
          setKilling(null);
          killForm.resetFields();
        }}
      >
        <Form form={killForm} layout="vertical">
          <Form.Item name="reason" label={t('market.kill.reason')} rules={[{ required: true }]}>
            <Input.TextArea rows={2} data-testid="kill-reason" />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}
