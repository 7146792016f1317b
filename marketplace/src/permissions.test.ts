import assert from 'node:assert/strict';
import { test } from 'node:test';
import { capabilityCatalog } from '@shequ/schemas';
import { permissionList } from './permissions.ts';

test('every service action and data scope of the capability catalog reads as a plain sentence in both languages', () => {
  for (const [s, svc] of Object.entries(capabilityCatalog.services))
    for (const [a, spec] of Object.entries(svc.actions)) {
      assert.ok(spec.title.zh.trim() && spec.title.en.trim(), `${s}.${a}`);
      assert.notEqual(spec.title.en, `${s}.${a}`, `${s}.${a} has words, not just its id`);
    }
  for (const [d, t] of Object.entries(capabilityCatalog.dataScopes)) assert.ok(t.zh.trim() && t.en.trim(), d);
});

test('a manifest’s services, data scopes and outbound hosts become one plain-language list', () => {
  const list = permissionList({
    permissions: { services: { message: ['send'], audit: ['record'] }, data: ['stats:read'] },
    http: { hosts: ['api.example.org'] },
  });
  assert.deepEqual(
    list.map((p) => [p.kind, p.id, p.title.zh]),
    [
      ['service', 'message.send', '给社区居民发送消息'],
      ['service', 'audit.record', '写入审计记录'],
      ['data', 'stats:read', '读取社区统计数字（不含个人信息）'],
      ['host', 'api.example.org', '向平台之外的网站 api.example.org 发送请求（可能带出数据）'],
    ],
  );
  assert.match(list[3].title.en, /api\.example\.org, a site outside the platform/);
  assert.deepEqual(permissionList({}), []);
});
