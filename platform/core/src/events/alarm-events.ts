import type { Bus, EventEnvelope, Subscription } from '@shequ/bus';
import type { Database, EventSeverity } from '@shequ/db';
import { reportEvent } from './report.ts';

/** What the IoT rule engine's `alarm` action puts on the bus (`shequ.alarms.raised`). */
interface AlarmRaised {
  alarmId: string;
  severity: 'info' | 'minor' | 'major' | 'critical';
  title: string;
  rule?: { id: string; name: string };
  deviceName?: string;
  deviceId?: string;
  productKey?: string;
  event?: string | null;
}

const severityOf: Record<AlarmRaised['severity'], EventSeverity> = {
  info: 'low',
  minor: 'normal',
  major: 'high',
  critical: 'critical',
};

/**
 * Opens an event for an IoT alarm (source `iot`, reported by the rule). The alarm id is the source ref, so a
 * redelivered alarm opens no second event.
 */
export async function eventFromAlarm(database: Database, e: EventEnvelope) {
  const a = e.data as AlarmRaised;
  if (!e.communityId || !a?.alarmId) return null;
  return reportEvent(
    database.db,
    {
      communityId: e.communityId,
      type: a.productKey
        ? `iot.${a.productKey
            .toLowerCase()
            .replace(/[^a-z0-9._-]/g, '-')
            .slice(0, 30)}`
        : 'iot.alarm',
      title: (a.title || 'IoT alarm').slice(0, 100),
      description: [a.rule ? `规则 / rule: ${a.rule.name}` : '', a.event ? `事件 / event: ${a.event}` : '']
        .filter(Boolean)
        .join('\n'),
      location: a.deviceName ? { text: `设备 / device ${a.deviceName}`.slice(0, 200) } : undefined,
      severity: severityOf[a.severity] ?? 'normal',
      source: 'iot',
      sourceRef: a.alarmId,
    },
    { id: a.rule ? `rule:${a.rule.id}` : 'system:iot', roles: [] },
  );
}

/**
 * The bus consumer that closes the loop from the IoT engine: every raised alarm becomes an event on the desk.
 * One durable name for all processes; a redelivered alarm finds its event by the alarm id and opens none.
 */
export function followAlarms(bus: Bus, database: Database, opts: { durable?: string; onCommit?: () => void } = {}) {
  const consumer = opts.durable ?? 'events-alarms';
  return bus.subscribe(consumer, 'shequ.alarms.raised', async (e) => {
    try {
      await eventFromAlarm(database, e);
    } catch (err) {
      // Two deliveries of one alarm raced: the other one opened the event.
      const c = err as { code?: string; cause?: { code?: string } };
      if (c?.code !== '23505' && c?.cause?.code !== '23505') throw err;
    }
    opts.onCommit?.();
  }) as Promise<Subscription>;
}
