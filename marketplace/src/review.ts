import type { ReviewItem } from '@shequ/db';
import { checkPackage, type PluginHost, type UnpackedPackage } from '@shequ/runtime';
import type { PluginManifest } from '@shequ/schemas';
import { canonicalJson, type PlatformKey, signBody, verifyBody } from './platform-key.ts';
import {
  budgetItems,
  compatibilityItems,
  defaultBudgets,
  elderItems,
  permissionItems,
  personalDataItems,
  type ReviewBudgets,
  screenshotItems,
} from './review-checks.ts';
import { pluginTestItem } from './review-tests.ts';

/** The signed body of a review report: what was checked, of which exact archive, and the outcome. */
export interface ReviewReportBody {
  format: 'shequ-review-report/1';
  pluginId: string;
  version: string;
  archiveSha256: string;
  signedBy: string;
  previous: string | null;
  passed: boolean;
  escalation: string[];
  items: ReviewItem[];
  at: string;
}

export interface SignedReport {
  body: ReviewReportBody;
  text: string;
  keyId: string;
  signature: string;
}

/**
 * Runs the automated checks on an unpacked, signature-verified package. Integrity problems (bad archive, bad
 * signature, downgrade) are refused before this; what is found here is reported, and any `fail` item rejects.
 */
export async function automatedReview(input: {
  pkg: UnpackedPackage;
  archiveBytes: number;
  archiveSha256: string;
  keyId: string;
  previous?: PluginManifest;
  host?: PluginHost;
  budgets?: Partial<ReviewBudgets>;
}): Promise<ReviewReportBody> {
  const b = { ...defaultBudgets, ...input.budgets };
  const m = input.pkg.manifest;
  const items: ReviewItem[] = [
    { id: 'manifest', level: 'pass', zh: '应用清单和页面定义符合规范', en: 'The manifest and page schemas are valid' },
    {
      id: 'signature',
      level: 'pass',
      zh: `签名有效，签名密钥 ${input.keyId} 已登记且未吊销`,
      en: `The signature is valid for the registered, unrevoked key ${input.keyId}`,
    },
  ];
  if (input.host) {
    try {
      await checkPackage(input.host, m, input.pkg.bundle);
      items.push({
        id: 'sandbox',
        level: 'pass',
        zh: '服务端代码可在沙箱中加载，声明的处理函数齐全',
        en: 'The bundle loads in the sandbox and exports every declared handler',
      });
    } catch (err) {
      const e = err as { messageZh?: string; messageEn?: string; message: string };
      items.push({
        id: 'sandbox',
        level: 'fail',
        zh: `沙箱检查未通过：${e.messageZh ?? e.message}`,
        en: `Sandbox check failed: ${e.messageEn ?? e.message}`,
      });
    }
  }
  const perms = permissionItems(m, input.previous);
  items.push(...perms.items);
  items.push(...compatibilityItems(m, input.previous));
  items.push(...budgetItems(m, input.archiveBytes, input.pkg.files['bundle.js'].length, b));
  items.push(...elderItems(m, b));
  items.push(...personalDataItems(m));
  items.push(...screenshotItems(m, input.pkg.files, b));
  // The plugin's own tests, in the sandbox, only once its bundle is known to load there.
  if (input.host) {
    const loads = items.find((i) => i.id === 'sandbox')?.level === 'pass';
    if (loads) items.push(await pluginTestItem(input.pkg, input.host.pool, b));
  }
  return {
    format: 'shequ-review-report/1',
    pluginId: m.id,
    version: m.version,
    archiveSha256: input.archiveSha256,
    signedBy: input.keyId,
    previous: input.previous?.version ?? null,
    passed: !items.some((i) => i.level === 'fail'),
    escalation: perms.escalation,
    items,
    at: new Date().toISOString(),
  };
}

export function signReport(key: PlatformKey, body: ReviewReportBody): SignedReport {
  const text = canonicalJson(body);
  return { body, text, keyId: key.keyId, signature: signBody(key, text) };
}

/** Anyone holding the platform public key can check a report was issued by this platform and not changed. */
export function verifyReport(publicKey: string, text: string, signature: string): boolean {
  return verifyBody(publicKey, text, signature);
}
