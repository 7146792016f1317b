'use client';

import { theme } from 'antd';

export type Point = { key: string; label: string; value: number };

const PALETTE = ['#1f6feb', '#2da44e', '#d29922', '#cf222e', '#8250df', '#0a7ea4', '#e16f24', '#6e7781'];
const W = 320;
const H = 180;
const PAD = 28;
// Room above the tallest bar or point for its value label.
const TOP = 18;

/** `[{label, value}]` from a handler, ignoring anything else. */
export function pointsOf(data: unknown): Point[] {
  if (!Array.isArray(data)) return [];
  return data
    .filter((d): d is { label: unknown; value: unknown } => typeof d === 'object' && d !== null)
    .map((d, i) => ({
      key: `${i}:${String(d.label ?? '')}`,
      label: String(d.label ?? ''),
      value: Number(d.value) || 0,
    }));
}

function Bars({ points, max }: { points: Point[]; max: number }) {
  const step = (W - PAD) / points.length;
  return points.map((p, i) => {
    const h = ((H - PAD - TOP) * p.value) / max;
    const x = PAD + i * step + step * 0.15;
    return (
      <g key={p.key}>
        <rect x={x} y={H - PAD - h} width={step * 0.7} height={h} fill={PALETTE[0]} rx={3} />
        <text x={x + step * 0.35} y={H - PAD - h - 4} textAnchor="middle" fontSize={11}>
          {p.value}
        </text>
        <text x={x + step * 0.35} y={H - 10} textAnchor="middle" fontSize={11}>
          {p.label}
        </text>
      </g>
    );
  });
}

function Line({ points, max }: { points: Point[]; max: number }) {
  const step = points.length > 1 ? (W - 2 * PAD) / (points.length - 1) : 0;
  const xy = points.map((p, i) => [PAD + i * step, H - PAD - ((H - PAD - TOP) * p.value) / max] as const);
  return (
    <>
      <polyline points={xy.map(([x, y]) => `${x},${y}`).join(' ')} fill="none" stroke={PALETTE[0]} strokeWidth={2} />
      {xy.map(([x, y], i) => (
        <g key={points[i].key}>
          <circle cx={x} cy={y} r={3} fill={PALETTE[0]} />
          <text x={x} y={y - 6} textAnchor="middle" fontSize={11}>
            {points[i].value}
          </text>
          <text x={x} y={H - 10} textAnchor="middle" fontSize={11}>
            {points[i].label}
          </text>
        </g>
      ))}
    </>
  );
}

function Pie({ points }: { points: Point[] }) {
  const total = points.reduce((s, p) => s + Math.max(0, p.value), 0) || 1;
  const [cx, cy, r] = [H / 2, H / 2, H / 2 - 10];
  let angle = -Math.PI / 2;
  return points.map((p, i) => {
    const share = Math.max(0, p.value) / total;
    const a0 = angle;
    angle += share * 2 * Math.PI;
    const large = share > 0.5 ? 1 : 0;
    const [x0, y0, x1, y1] = [
      cx + r * Math.cos(a0),
      cy + r * Math.sin(a0),
      cx + r * Math.cos(angle),
      cy + r * Math.sin(angle),
    ];
    const color = PALETTE[i % PALETTE.length];
    const d =
      share >= 0.9999
        ? `M ${cx - r} ${cy} a ${r} ${r} 0 1 0 ${2 * r} 0 a ${r} ${r} 0 1 0 ${-2 * r} 0`
        : `M ${cx} ${cy} L ${x0} ${y0} A ${r} ${r} 0 ${large} 1 ${x1} ${y1} Z`;
    return (
      <g key={p.key}>
        <path d={d} fill={color} />
        <rect x={H + 10} y={14 + i * 20} width={10} height={10} fill={color} />
        <text x={H + 26} y={23 + i * 20} fontSize={11}>
          {`${p.label} ${p.value}`}
        </text>
      </g>
    );
  });
}

/** A small bar, line or pie chart in plain SVG: no chart library is needed for a handful of numbers. */
export function SvgChart({ kind, points, title }: { kind: 'bar' | 'line' | 'pie'; points: Point[]; title: string }) {
  const { token } = theme.useToken();
  const max = Math.max(1, ...points.map((p) => p.value));
  return (
    <svg
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-label={title}
      style={{ width: '100%', height: 'auto', fill: token.colorText }}
      data-testid={`app-chart-${kind}`}
    >
      {kind !== 'pie' ? <line x1={PAD} y1={H - PAD} x2={W} y2={H - PAD} stroke={token.colorBorder} /> : null}
      {kind === 'bar' ? <Bars points={points} max={max} /> : null}
      {kind === 'line' ? <Line points={points} max={max} /> : null}
      {kind === 'pie' ? <Pie points={points} /> : null}
    </svg>
  );
}
