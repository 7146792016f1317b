/** What an Alink topic means for the gateway. */
export type DeviceTopic =
  | { kind: 'property-post'; productKey: string; deviceName: string }
  | { kind: 'event-post'; productKey: string; deviceName: string; event: string }
  | { kind: 'property-set'; productKey: string; deviceName: string }
  | { kind: 'service'; productKey: string; deviceName: string; service: string }
  | { kind: 'reply'; productKey: string; deviceName: string; of: string }
  | { kind: 'raw-up'; productKey: string; deviceName: string }
  | { kind: 'raw-down'; productKey: string; deviceName: string }
  | { kind: 'sys-other'; productKey: string; deviceName: string }
  | { kind: 'shadow'; productKey: string; deviceName: string; op: 'update' | 'get' }
  | { kind: 'user'; productKey: string; deviceName: string };

/** Classifies a topic of the Alink layout; null for topics outside it (e.g. an application's own topic). */
export function parseTopic(topic: string): DeviceTopic | null {
  const t = topic.split('/');
  if (t[0] !== '') return null;
  if (t[1] === 'sys' && t.length >= 5) {
    const [, , productKey, deviceName, ...rest] = t;
    const path = rest.join('/');
    if (path.endsWith('_reply')) return { kind: 'reply', productKey, deviceName, of: path.slice(0, -'_reply'.length) };
    if (path === 'thing/event/property/post') return { kind: 'property-post', productKey, deviceName };
    if (path === 'thing/service/property/set') return { kind: 'property-set', productKey, deviceName };
    // Binary payloads of a product with a raw-data codec (Alink 透传): decoded before anything else happens.
    if (path === 'thing/model/up_raw') return { kind: 'raw-up', productKey, deviceName };
    if (path === 'thing/model/down_raw') return { kind: 'raw-down', productKey, deviceName };
    const ev = /^thing\/event\/([A-Za-z_][A-Za-z0-9_]*)\/post$/.exec(path);
    if (ev) return { kind: 'event-post', productKey, deviceName, event: ev[1] };
    const sv = /^thing\/service\/([A-Za-z_][A-Za-z0-9_]*)$/.exec(path);
    if (sv) return { kind: 'service', productKey, deviceName, service: sv[1] };
    return { kind: 'sys-other', productKey, deviceName };
  }
  if (t[1] === 'shadow' && (t[2] === 'update' || t[2] === 'get') && t.length === 5)
    return { kind: 'shadow', productKey: t[3], deviceName: t[4], op: t[2] };
  if (t.length >= 5 && t[3] === 'user') return { kind: 'user', productKey: t[1], deviceName: t[2] };
  return null;
}

/**
 * Whether a device may use a topic (9.3.2.5): only its own, and only in the direction Alink gives it. A device
 * publishes uplink (posts, replies to downlink, shadow updates, its user topics) and subscribes downlink.
 * Wildcards in a device's subscription are allowed only below its own prefix.
 */
export function deviceMayUse(
  topic: string,
  identity: { productKey: string; deviceName: string },
  action: 'publish' | 'subscribe',
): boolean {
  const own = (pk: string, dn: string) => pk === identity.productKey && dn === identity.deviceName;
  if (action === 'subscribe') {
    const prefixes = [
      `/sys/${identity.productKey}/${identity.deviceName}/`,
      `/${identity.productKey}/${identity.deviceName}/user/`,
    ];
    if (topic === `/shadow/get/${identity.productKey}/${identity.deviceName}`) return true;
    // The prefix is the device's own, so a wildcard can only stand below it, never for another product or device.
    const prefix = prefixes.find((p) => topic.startsWith(p));
    return prefix !== undefined && topic.length > prefix.length;
  }
  if (/[+#]/.test(topic)) return false;
  const parsed = parseTopic(topic);
  if (!parsed || !own(parsed.productKey, parsed.deviceName)) return false;
  switch (parsed.kind) {
    case 'property-post':
    case 'event-post':
    case 'raw-up':
    case 'reply':
    case 'sys-other':
    case 'user':
      return true;
    case 'shadow':
      return parsed.op === 'update';
    default:
      // property/set and service calls travel downlink only: a device never calls itself.
      return false;
  }
}

/** MQTT filter matching (`+` one level, `#` the rest), used for application ACL patterns. */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/** Whether a subscription filter asks for nothing beyond an ACL pattern (the filter is covered by the pattern). */
export function filterCovered(pattern: string, filter: string): boolean {
  const p = pattern.split('/');
  const f = filter.split('/');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '#') return true;
    if (i >= f.length) return false;
    if (f[i] === '#') return false;
    if (p[i] === '+') continue;
    if (f[i] !== p[i]) return false;
  }
  return p.length === f.length;
}
