'use client';

import { theme } from 'antd';

export const USE_COLOURS = { lighting: '#d29922', hvac: '#1f6feb', lift: '#8250df', ev: '#2da44e' } as const;
export type Use = keyof typeof USE_COLOURS;
const USES = Object.keys(USE_COLOURS) as Use[];

const W = 720;
const H = 220;
const PAD = 36;
const TOP = 12;

/** Stacked bars: one per day, a segment per public-facility use (plain SVG, like the cockpit's charts). */
export function EnergyDailyChart({
  days,
  labels,
  title,
}: {
  days: Array<{ day: string } & Record<Use, number>>;
  labels: Record<Use, string>;
  title: string;
}) {
  const { token } = theme.useToken();
  const totals = days.map((d) => USES.reduce((s, u) => s + d[u], 0));
  const max = Math.max(1, ...totals);
  const step = (W - PAD) / Math.max(1, days.length);
  return (
    <div>
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label={title} data-testid="energy-daily-chart">
        <line x1={PAD} y1={H - PAD} x2={W} y2={H - PAD} stroke={token.colorBorder} />
        <text x={PAD - 4} y={TOP + 8} textAnchor="end" fontSize={10} fill={token.colorTextSecondary}>
          {Math.round(max)}
        </text>
        {days.map((d, i) => {
          let y = H - PAD;
          const x = PAD + i * step + step * 0.15;
          return (
            <g key={d.day} data-testid={`energy-bar-${d.day}`} data-total={totals[i]}>
              <title>{`${d.day}: ${USES.map((u) => `${labels[u]} ${d[u]}`).join(', ')}`}</title>
              {USES.map((u) => {
                const h = ((H - PAD - TOP) * d[u]) / max;
                y -= h;
                return h > 0 ? <rect key={u} x={x} y={y} width={step * 0.7} height={h} fill={USE_COLOURS[u]} /> : null;
              })}
              {days.length <= 31 && (i % 2 === 0 || days.length <= 16) ? (
                <text x={x + step * 0.35} y={H - PAD + 14} textAnchor="middle" fontSize={10}>
                  {d.day.slice(8)}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <div style={{ display: 'flex', gap: 16, flexWrap: 'wrap', fontSize: 12 }}>
        {USES.map((u) => (
          <span key={u}>
            <span
              style={{ display: 'inline-block', width: 10, height: 10, background: USE_COLOURS[u], marginRight: 4 }}
            />
            {labels[u]}
          </span>
        ))}
      </div>
    </div>
  );
}
