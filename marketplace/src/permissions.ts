import { capabilityCatalog } from '@shequ/schemas';

/** A manifest's permissions in plain language (zh/en), for install, upgrade and catalog screens. */
export function permissionList(m: {
  permissions?: { services?: Record<string, string[]>; data?: string[] };
  http?: { hosts?: string[] };
}) {
  const services = Object.entries(m.permissions?.services ?? {}).flatMap(([s, actions]) =>
    actions.map((a) => ({
      kind: 'service' as const,
      id: `${s}.${a}`,
      title: capabilityCatalog.services[s]?.actions[a]?.title ?? { zh: `${s}.${a}`, en: `${s}.${a}` },
    })),
  );
  const data = (m.permissions?.data ?? []).map((d) => ({
    kind: 'data' as const,
    id: d,
    title: capabilityCatalog.dataScopes[d] ?? { zh: d, en: d },
  }));
  const hosts = (m.http?.hosts ?? []).map((h) => ({
    kind: 'host' as const,
    id: h,
    title: { zh: `访问外部地址 ${h}`, en: `Call ${h}` },
  }));
  return [...services, ...data, ...hosts];
}
