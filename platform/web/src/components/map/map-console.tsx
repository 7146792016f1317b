'use client';

import { DeleteOutlined, EditOutlined, UploadOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  Descriptions,
  Form,
  Input,
  List,
  Modal,
  Popconfirm,
  Row,
  Select,
  Space,
  Table,
  Tag,
  Typography,
  Upload,
} from 'antd';
import dynamic from 'next/dynamic';
import { useCallback, useMemo, useState } from 'react';
import { useEntryGuard } from '@/components/entry/use-entry-guard';
import { applyFieldErrors } from '@/components/login/field-errors';
import type { MessageKey } from '@/i18n/lang';
import { useLang, useT } from '@/i18n/lang-provider';
import { appErrorData, errorMessage } from '@/lib/app-error';
import { useTRPC, useTRPCClient } from '@/lib/trpc';
import type { DrawMode, MapFeature, Position } from './map-canvas';

const MapCanvas = dynamic(() => import('./map-canvas').then((m) => m.MapCanvas), { ssr: false });

const kinds = ['building', 'space', 'facility', 'road', 'boundary'] as const;
const legendColour: Record<string, string> = {
  building: 'rgb(59,110,200)',
  space: 'rgb(76,165,88)',
  facility: 'rgb(230,120,30)',
  road: 'rgb(110,110,110)',
  boundary: 'rgb(205,40,40)',
};

function positionsOf(coords: unknown, out: Position[] = []): Position[] {
  if (Array.isArray(coords) && typeof coords[0] === 'number') out.push([coords[0], coords[1] as number]);
  else if (Array.isArray(coords)) for (const c of coords) positionsOf(c, out);
  return out;
}

type ImportItem = {
  index: number;
  status: 'create' | 'unchanged' | 'invalid';
  kind?: string;
  name?: string;
  errors?: Record<string, string[]>;
};
type ImportReport = {
  total: number;
  created: number;
  unchanged: number;
  invalid: number;
  committed: boolean;
  items: ImportItem[];
};

type FormValues = { kind: string; name: string; refId?: string | null };

/** 社区地图: the community's CIM data on a deck.gl map, maintained in place (6.3.6.2) and imported as GeoJSON (6.3.6.1). */
export function MapConsole({ community }: { community: string }) {
  const t = useT();
  const { lang } = useLang();
  const trpc = useTRPC();
  const client = useTRPCClient();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const entry = useEntryGuard();
  const key = [...trpc.base.map.features.queryKey(), community];
  const map = useQuery({ queryKey: key, queryFn: () => client.base.map.features.query({ community }) });
  const compounds = useQuery(trpc.tenancy.compounds.queryOptions());
  const features = (map.data?.features ?? []) as unknown as MapFeature[];
  const [filter, setFilter] = useState<string | undefined>();
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [focus, setFocus] = useState<{ positions: Position[]; key: number }>({ positions: [], key: 0 });
  const [fitted, setFitted] = useState(false);
  const [drawMode, setDrawMode] = useState<DrawMode>(null);
  const [redrawing, setRedrawing] = useState<MapFeature | null>(null);
  const [draft, setDraft] = useState<Position[]>([]);
  const [editing, setEditing] = useState<{ id?: string; version?: number; geometry?: unknown } | null>(null);
  const [form] = Form.useForm<FormValues>();
  const [formError, setFormError] = useState<string | null>(null);
  const [importOpen, setImportOpen] = useState(false);
  const [importFile, setImportFile] = useState<{ name: string; collection: unknown } | null>(null);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [importError, setImportError] = useState<string | null>(null);

  const kindLabel = useCallback((k: string) => t(`map.kind.${k}` as MessageKey), [t]);
  const selected = features.find((f) => f.id === selectedId) ?? null;
  const shown = filter ? features.filter((f) => f.properties.kind === filter) : features;

  // A community without map data yet: its registered facilities' coordinates say where it is.
  const empty = !!map.data && map.data.features.length === 0;
  const nearby = useQuery({
    queryKey: [...trpc.base.facilities.list.queryKey(), community, 'map-centre'],
    queryFn: () => client.base.facilities.list.query({ community, limit: 50 }),
    enabled: empty,
  });

  // Fit the whole community once its features (or, with none, its facilities) arrive.
  if (map.data && !fitted && (!empty || nearby.isFetched || nearby.isError)) {
    setFitted(true);
    const located = (nearby.data?.items ?? []).flatMap((r) => {
      const { lng, lat } = r as { lng?: unknown; lat?: unknown };
      return Number.isFinite(Number(lng)) && Number.isFinite(Number(lat)) && lng != null && lat != null
        ? [[Number(lng), Number(lat)] as Position]
        : [];
    });
    setFocus((o) => ({
      positions: empty ? located : features.flatMap((f) => positionsOf(f.geometry.coordinates)),
      key: o.key + 1,
    }));
  }

  const select = (f: MapFeature | null, zoom: boolean) => {
    setSelectedId(f?.id ?? null);
    if (f && zoom) setFocus((o) => ({ positions: positionsOf(f.geometry.coordinates), key: o.key + 1 }));
  };

  const startDraw = (mode: DrawMode, redraw: MapFeature | null = null) => {
    setDrawMode(mode);
    setDraft([]);
    setRedrawing(redraw);
    if (!redraw) setSelectedId(null);
  };

  const openForm = (geometry: unknown) => {
    setDrawMode(null);
    setFormError(null);
    form.resetFields();
    if (redrawing) {
      // A new shape for an existing feature: saved as an edit of it (its version checked).
      form.setFieldsValue({
        kind: redrawing.properties.kind,
        name: redrawing.properties.name,
        refId: redrawing.properties.refId,
      });
      setEditing({ id: redrawing.id, version: redrawing.properties.version, geometry });
      setRedrawing(null);
      return;
    }
    form.setFieldsValue({
      kind:
        (geometry as { type: string }).type === 'Point'
          ? 'facility'
          : (geometry as { type: string }).type === 'LineString'
            ? 'road'
            : 'building',
      name: '',
      refId: null,
    });
    setEditing({ geometry });
  };

  const onDrawClick = (p: Position) => {
    if (drawMode === 'Point') {
      setDraft([p]);
      openForm({ type: 'Point', coordinates: p });
      return;
    }
    setDraft((d) => [...d, p]);
  };

  const finish = () => {
    if (drawMode === 'LineString' && draft.length >= 2) openForm({ type: 'LineString', coordinates: draft });
    else if (drawMode === 'Polygon' && draft.length >= 3)
      openForm({ type: 'Polygon', coordinates: [[...draft, draft[0]]] });
    else message.warning(t('map.draw.tooFew'));
  };

  const refresh = () => qc.invalidateQueries({ queryKey: key });

  const save = useMutation({
    mutationFn: async (v: FormValues) => {
      const refId = v.kind === 'building' && v.refId ? v.refId : undefined;
      if (editing?.id && editing.version)
        return client.base.map.update.mutate({
          community,
          id: editing.id,
          version: editing.version,
          kind: v.kind as (typeof kinds)[number],
          name: v.name,
          refId: refId ?? null,
          ...(editing.geometry ? { geometry: editing.geometry as Record<string, unknown> } : {}),
        });
      return client.base.map.create.mutate({
        community,
        kind: v.kind as (typeof kinds)[number],
        name: v.name,
        refId,
        geometry: editing?.geometry as Record<string, unknown>,
      });
    },
    onSuccess: async (row) => {
      setEditing(null);
      setDraft([]);
      await refresh();
      setSelectedId(row.id);
      message.success(t('map.saved'));
    },
    onError: (e) => {
      applyFieldErrors(form, e);
      const fe = appErrorData(e)?.fieldErrors;
      const other = fe ? Object.entries(fe).filter(([k]) => !['kind', 'name', 'refId'].includes(k)) : [];
      setFormError(
        other.length ? other.map(([, v]) => v.join('；')).join('；') : errorMessage(e, lang, t('common.networkError')),
      );
    },
  });

  const remove = useMutation({
    mutationFn: (f: MapFeature) =>
      client.base.map.delete.mutate({ community, id: f.id, version: f.properties.version }),
    onSuccess: async () => {
      setSelectedId(null);
      await refresh();
      message.success(t('map.deleted'));
    },
    onError: (e) => message.error(errorMessage(e, lang, t('common.networkError'))),
  });

  const runImport = useMutation({
    mutationFn: (dryRun: boolean) =>
      client.base.map.import.mutate({ community, collection: importFile?.collection, dryRun }),
    onSuccess: async (r, dryRun) => {
      setReport(r as ImportReport);
      setImportError(null);
      if (!dryRun && r.committed) {
        await refresh();
        setFitted(false);
        message.success(t('map.import.done', { created: r.created }));
      }
    },
    onError: (e) => {
      setReport(null);
      const fe = appErrorData(e)?.fieldErrors;
      setImportError(fe?.file?.join('；') ?? errorMessage(e, lang, t('common.networkError')));
    },
  });

  const readFile = async (file: File) => {
    setReport(null);
    setImportError(null);
    try {
      const collection = JSON.parse(await file.text());
      setImportFile({ name: file.name, collection });
      const r = await client.base.map.import.mutate({ community, collection, dryRun: true }).catch((e: unknown) => {
        const fe = appErrorData(e)?.fieldErrors;
        setImportError(fe?.file?.join('；') ?? errorMessage(e, lang, t('common.networkError')));
        return null;
      });
      if (r) setReport(r as ImportReport);
    } catch {
      setImportFile(null);
      setImportError(t('map.import.badJson'));
    }
    return false;
  };

  const compoundOptions = useMemo(
    () => (compounds.data ?? []).map((c) => ({ value: c.id, label: lang === 'en' ? (c.nameEn ?? c.name) : c.name })),
    [compounds.data, lang],
  );
  const formKind = Form.useWatch('kind', form);

  return (
    <Row gutter={16}>
      {entry.modal}
      <Col xs={24} lg={17}>
        <Space wrap style={{ marginBottom: 8 }}>
          <Button
            data-testid="map-draw-point"
            onClick={() => startDraw('Point')}
            type={drawMode === 'Point' ? 'primary' : 'default'}
          >
            {t('map.draw.point')}
          </Button>
          <Button
            data-testid="map-draw-line"
            onClick={() => startDraw('LineString')}
            type={drawMode === 'LineString' ? 'primary' : 'default'}
          >
            {t('map.draw.line')}
          </Button>
          <Button
            data-testid="map-draw-polygon"
            onClick={() => startDraw('Polygon')}
            type={drawMode === 'Polygon' ? 'primary' : 'default'}
          >
            {t('map.draw.polygon')}
          </Button>
          {drawMode && drawMode !== 'Point' && (
            <Button type="primary" data-testid="map-draw-finish" onClick={finish}>
              {t('map.draw.finish')}
            </Button>
          )}
          {drawMode && (
            <Button
              onClick={() => {
                setDrawMode(null);
                setDraft([]);
                setRedrawing(null);
              }}
            >
              {t('map.draw.cancel')}
            </Button>
          )}
          <Button data-testid="map-import-open" icon={<UploadOutlined />} onClick={() => setImportOpen(true)}>
            {t('map.import')}
          </Button>
        </Space>
        {drawMode && (
          <Alert
            type="info"
            showIcon
            style={{ marginBottom: 8 }}
            title={drawMode === 'Point' ? t('map.draw.hint.point') : t('map.draw.hint.shape', { n: draft.length })}
          />
        )}
        <MapCanvas
          features={features}
          selectedId={selectedId}
          focus={focus}
          drawMode={drawMode}
          draft={draft}
          kindLabel={kindLabel}
          onPick={(f) => select(f, false)}
          onDrawClick={onDrawClick}
        />
        <Space wrap style={{ marginTop: 8 }} aria-label={t('map.legend')}>
          <Typography.Text type="secondary">{t('map.legend')}</Typography.Text>
          {kinds.map((k) => (
            <Space key={k} size={4}>
              <span
                style={{
                  display: 'inline-block',
                  width: 14,
                  height: k === 'road' ? 4 : 14,
                  borderRadius: k === 'facility' ? 7 : 2,
                  background: k === 'boundary' ? 'transparent' : legendColour[k],
                  border: k === 'boundary' ? `2px solid ${legendColour[k]}` : undefined,
                }}
              />
              {kindLabel(k)}
            </Space>
          ))}
        </Space>
      </Col>
      <Col xs={24} lg={7}>
        {selected && (
          <Card
            size="small"
            title={t('map.selected')}
            style={{ marginBottom: 12 }}
            data-testid="map-selected"
            extra={
              <Space>
                <Button
                  size="small"
                  icon={<EditOutlined />}
                  onClick={() => {
                    setFormError(null);
                    form.resetFields();
                    form.setFieldsValue({
                      kind: selected.properties.kind,
                      name: selected.properties.name,
                      refId: selected.properties.refId,
                    });
                    setEditing({ id: selected.id, version: selected.properties.version });
                  }}
                >
                  {t('map.edit')}
                </Button>
                <Button
                  size="small"
                  data-testid="map-redraw"
                  onClick={() =>
                    startDraw(
                      selected.geometry.type === 'Point'
                        ? 'Point'
                        : selected.geometry.type === 'LineString'
                          ? 'LineString'
                          : 'Polygon',
                      selected,
                    )
                  }
                >
                  {t('map.redraw')}
                </Button>
                <Popconfirm
                  title={t('map.deleteConfirm', { name: selected.properties.name })}
                  onConfirm={() => entry.guard(() => remove.mutate(selected))}
                >
                  <Button size="small" danger icon={<DeleteOutlined />} loading={remove.isPending}>
                    {t('map.delete')}
                  </Button>
                </Popconfirm>
              </Space>
            }
          >
            <Descriptions size="small" column={1}>
              <Descriptions.Item label={t('map.form.name')}>{selected.properties.name}</Descriptions.Item>
              <Descriptions.Item label={t('map.form.kind')}>{kindLabel(selected.properties.kind)}</Descriptions.Item>
              <Descriptions.Item label={t('map.form.geometry')}>
                {t('map.geometryOf', {
                  type: selected.geometry.type,
                  n: positionsOf(selected.geometry.coordinates).length,
                })}
              </Descriptions.Item>
            </Descriptions>
          </Card>
        )}
        <Card
          size="small"
          title={t('map.features', { n: shown.length })}
          extra={
            <Select
              allowClear
              size="small"
              style={{ width: 120 }}
              placeholder={t('map.allKinds')}
              value={filter}
              onChange={setFilter}
              options={kinds.map((k) => ({ value: k, label: kindLabel(k) }))}
              aria-label={t('map.form.kind')}
            />
          }
        >
          {map.error && <Alert type="error" title={errorMessage(map.error, lang, t('common.networkError'))} />}
          <List
            data-testid="map-feature-list"
            size="small"
            loading={map.isLoading}
            dataSource={shown}
            locale={{ emptyText: t('map.empty') }}
            style={{ maxHeight: 520, overflowY: 'auto' }}
            renderItem={(f) => (
              <List.Item
                data-testid="map-feature-item"
                onClick={() => select(f, true)}
                style={{ cursor: 'pointer', background: f.id === selectedId ? '#e6f4ff' : undefined }}
              >
                <Space>
                  <Tag color={legendColour[f.properties.kind]}>{kindLabel(f.properties.kind)}</Tag>
                  <span>{f.properties.name}</span>
                </Space>
              </List.Item>
            )}
          />
        </Card>
      </Col>
      <Modal
        open={!!editing}
        title={editing?.id ? t('map.form.edit') : t('map.form.new')}
        okText={t('map.form.save')}
        confirmLoading={save.isPending}
        onOk={() => form.submit()}
        onCancel={() => setEditing(null)}
        forceRender
      >
        <Form
          form={form}
          layout="vertical"
          data-testid="map-feature-form"
          onFinish={(v) => entry.guard(() => save.mutate(v))}
        >
          <Form.Item name="kind" label={t('map.form.kind')} rules={[{ required: true }]}>
            <Select options={kinds.map((k) => ({ value: k, label: kindLabel(k) }))} />
          </Form.Item>
          <Form.Item name="name" label={t('map.form.name')} rules={[{ required: true }]}>
            <Input maxLength={64} />
          </Form.Item>
          {formKind === 'building' && (
            <Form.Item name="refId" label={t('map.form.refId')} extra={t('map.form.refIdHelp')}>
              <Select allowClear options={compoundOptions} />
            </Form.Item>
          )}
          {formError && <Alert type="error" showIcon title={formError} />}
        </Form>
      </Modal>
      <Modal
        open={importOpen}
        title={t('map.import.title')}
        width={760}
        onCancel={() => setImportOpen(false)}
        footer={null}
      >
        <div data-testid="map-import">
          <Typography.Paragraph type="secondary">{t('map.import.help')}</Typography.Paragraph>
          <Upload
            accept=".geojson,.json,application/geo+json,application/json"
            showUploadList={false}
            beforeUpload={readFile}
          >
            <Button icon={<UploadOutlined />}>{t('map.import.choose')}</Button>
          </Upload>
          {importFile && <Typography.Text style={{ marginLeft: 8 }}>{importFile.name}</Typography.Text>}
          {importError && <Alert style={{ marginTop: 12 }} type="error" showIcon title={importError} />}
          {report && (
            <div style={{ marginTop: 12 }} data-testid="map-import-report">
              <Alert
                type={report.invalid ? 'warning' : report.committed ? 'success' : 'info'}
                showIcon
                title={
                  report.committed
                    ? t('map.import.done', { created: report.created })
                    : t('map.import.summary', {
                        total: report.total,
                        created: report.created,
                        unchanged: report.unchanged,
                        invalid: report.invalid,
                      })
                }
                description={report.invalid ? t('map.import.blocked') : undefined}
              />
              <Table
                style={{ marginTop: 8 }}
                size="small"
                rowKey="index"
                pagination={false}
                scroll={{ y: 300 }}
                dataSource={report.items}
                columns={[
                  { title: t('map.import.col.index'), dataIndex: 'index', width: 60 },
                  {
                    title: t('map.import.col.status'),
                    dataIndex: 'status',
                    width: 90,
                    render: (s: ImportItem['status']) => (
                      <Tag color={s === 'invalid' ? 'red' : s === 'create' ? 'green' : 'default'}>
                        {t(`map.import.status.${s}` as MessageKey)}
                      </Tag>
                    ),
                  },
                  { title: t('map.import.col.kind'), dataIndex: 'kind', width: 90 },
                  { title: t('map.import.col.name'), dataIndex: 'name', width: 120 },
                  {
                    title: t('map.import.col.errors'),
                    dataIndex: 'errors',
                    render: (e?: Record<string, string[]>) =>
                      e ? Object.entries(e).map(([k, v]) => <div key={k}>{`${k}: ${v.join('；')}`}</div>) : null,
                  },
                ]}
              />
              {!report.committed && (
                <Button
                  type="primary"
                  data-testid="map-import-commit"
                  style={{ marginTop: 12 }}
                  disabled={report.invalid > 0 || report.created === 0}
                  loading={runImport.isPending}
                  onClick={() => entry.guard(() => runImport.mutate(false))}
                >
                  {t('map.import.commit')}
                </Button>
              )}
            </div>
          )}
        </div>
      </Modal>
    </Row>
  );
}
