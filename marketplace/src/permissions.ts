import { capabilityCatalog } from '@shequ/schemas';

/**
 * A manifest's permissions in plain language (zh/en), for the catalog's detail page and the install and upgrade
 * dialogs (one mapping for all of them): each service action and data scope as the sentence the capability catalog
 * gives it (an action it does not know is shown by its id), each outbound host as what it means for the data.
 */
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
    title: {
      zh: `向平台之外的网站 ${h} 发送请求（可能带出数据）`,
      en: `Send requests to ${h}, a site outside the platform (data may leave it)`,
    },
  }));
  return [...services, ...data, ...hosts];
}
