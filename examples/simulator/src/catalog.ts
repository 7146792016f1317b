/** What a simulated device sends on one tick: property values or one event. */
export type SimMessage =
  | { kind: 'properties'; params: Record<string, unknown> }
  | { kind: 'event'; identifier: string; value: Record<string, unknown> };

export type Protocol = 'mqtt' | 'http' | 'coap';

/** Per-device running state, so counters and meter readings only grow. */
export type SimState = Record<string, number>;

export interface SimKind {
  /** A standard thing model in `schemas/iot/models/`. */
  model: string;
  /** The product's name in the demo community (also how a later run finds it again). */
  product: string;
  protocol: Protocol;
  count: number;
  next(state: SimState, random: () => number): SimMessage;
}

const pick = <T>(random: () => number, xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
const between = (random: () => number, lo: number, hi: number, decimals = 2) =>
  Math.round((lo + random() * (hi - lo)) * 10 ** decimals) / 10 ** decimals;
const grow = (state: SimState, key: string, start: number, by: number) => {
  state[key] = Math.round(((state[key] ?? start) + by) * 100) / 100;
  return state[key];
};

/**
 * The simulated community: which devices, over which protocol, sending what. Values stay inside each thing model's
 * ranges and steps; alarms are rare so the demo's alarm views stay readable.
 */
export const simulatedCommunity: SimKind[] = [
  {
    model: 'people-gate',
    product: '模拟·人行闸机',
    protocol: 'mqtt',
    count: 2,
    next: (s, r) =>
      r() < 0.8
        ? {
            kind: 'event',
            identifier: 'pass',
            value: {
              personRef: `R${Math.floor(r() * 500)
                .toString()
                .padStart(4, '0')}`,
              direction: pick(r, [0, 1]),
              mode: pick(r, [0, 0, 1, 2]),
              temperature: between(r, 36, 37.2),
            },
          }
        : { kind: 'properties', params: { gateState: 0, passCountToday: grow(s, 'passes', 0, 1), online: 1 } },
  },
  {
    model: 'ai-camera',
    product: '模拟·AI摄像机',
    protocol: 'mqtt',
    count: 2,
    next: (_s, r) => {
      if (r() > 0.15) return { kind: 'properties', params: { streaming: 1, sensitivity: 6, online: 1 } };
      const which = pick(r, ['fall', 'crowding', 'ebikeInLift'] as const);
      const value =
        which === 'fall'
          ? { confidence: between(r, 0.7, 0.99), location: '3号楼东侧步道' }
          : which === 'crowding'
            ? { count: 20 + Math.floor(r() * 30) }
            : { liftId: '2号楼1号梯' };
      return { kind: 'event', identifier: which, value };
    },
  },
  {
    model: 'smoke-detector',
    product: '模拟·烟感',
    protocol: 'coap',
    count: 3,
    next: (s, r) =>
      r() < 0.02
        ? {
            kind: 'event',
            identifier: 'smokeAlarm',
            value: { smokeDensity: between(r, 10, 20), location: '1号楼3层走廊' },
          }
        : {
            kind: 'properties',
            params: {
              smokeDensity: between(r, 0, 0.5),
              battery: Math.max(20, 100 - Math.floor(grow(s, 'ticks', 0, 1) / 50)),
              alarmState: 0,
            },
          },
  },
  {
    model: 'power-meter',
    product: '模拟·户用电表',
    protocol: 'http',
    count: 2,
    next: (s, r) => ({
      kind: 'properties',
      params: {
        energyTotal: grow(s, 'kwh', 1000 + Math.floor(r() * 500), between(r, 0.01, 0.2)),
        activePower: between(r, 0.2, 6),
        relay: 1,
      },
    }),
  },
  {
    model: 'water-meter',
    product: '模拟·户用水表',
    protocol: 'http',
    count: 2,
    next: (s, r) => ({
      kind: 'properties',
      params: {
        total: grow(s, 'm3', 100 + Math.floor(r() * 50), between(r, 0, 0.05)),
        flow: between(r, 0, 1.2),
        valve: 1,
        battery: 90,
      },
    }),
  },
  {
    model: 'elderly-vital-monitor',
    product: '模拟·老人体征监测',
    protocol: 'coap',
    count: 2,
    next: (_s, r) =>
      r() < 0.03
        ? { kind: 'event', identifier: 'abnormal', value: { kind: 0, value: between(r, 110, 130, 0) } }
        : {
            kind: 'properties',
            params: {
              heartRate: between(r, 60, 90, 0),
              respiration: between(r, 12, 20, 0),
              inBed: r() < 0.7 ? 1 : 0,
              bloodPressure: { systolic: between(r, 110, 140, 0), diastolic: between(r, 70, 90, 0) },
              spo2: between(r, 95, 99, 0),
              battery: 80,
            },
          },
  },
];
