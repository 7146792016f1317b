import type { ReviewItem } from '@shequ/db';
import { runPackagedTests, type TestRunResult } from '@shequ/plugin-sdk/testing';
import type { SandboxPool, UnpackedPackage } from '@shequ/runtime';

/** Budgets of the run of a package's own tests: CPU of the test code and wall clock of the whole run. */
export interface TestBudgets {
  testCpuMs: number;
  testWallMs: number;
}

const maxListed = 5;
const clip = (s: string, n = 300) => (s.length > n ? `${s.slice(0, n)}…` : s);

function stoppedWhy(r: TestRunResult): { zh: string; en: string } | undefined {
  const s = r.stopped;
  if (!s) return undefined;
  const at = s.running ? { zh: `，运行中的测试「${s.running}」`, en: ` while "${s.running}" ran` } : { zh: '', en: '' };
  if (s.kind === 'timeout' || s.kind === 'cpu')
    return {
      zh: `测试运行超时被终止（${s.message}）${at.zh}`,
      en: `The test run timed out and was stopped (${s.message})${at.en}`,
    };
  if (s.kind === 'memory')
    return {
      zh: `测试运行超出内存上限被终止（${s.message}）${at.zh}`,
      en: `The test run was stopped over its memory limit (${s.message})${at.en}`,
    };
  return {
    zh: `测试代码无法运行（${clip(s.message)}）${at.zh}`,
    en: `The tests could not run (${clip(s.message)})${at.en}`,
  };
}

/**
 * The "plugin tests" check: runs the package's own tests (`tests.js`) in the sandbox and reports the counts and the
 * failures. A package without tests is only warned about: tests are the publisher's own assurance, and the platform's
 * checks (manifest, sandbox load, permissions, budgets) still judge such a package; reviewers see the warning.
 * Failing tests, and a run stopped for time or memory, fail the check.
 */
export async function pluginTestItem(pkg: UnpackedPackage, pool: SandboxPool, b: TestBudgets): Promise<ReviewItem> {
  const tests = pkg.files['tests.js'];
  if (!tests)
    return {
      id: 'tests',
      level: 'warn',
      zh: '未附带测试（no tests shipped）：安装包中没有 tests.js；shequ-plugin pack 会打包 test/ 下的测试，审核时在沙箱中运行',
      en: 'No tests shipped: the package has no tests.js; shequ-plugin pack bundles test/*.test.ts, which the review runs in the sandbox',
    };
  let r: TestRunResult;
  try {
    r = await runPackagedTests({
      pool,
      manifest: pkg.manifest,
      bundle: pkg.bundle,
      tests: tests.toString('utf8'),
      limits: { cpuMs: b.testCpuMs, wallMs: b.testWallMs },
    });
  } catch (err) {
    // The platform's side failed (e.g. the sandbox pool is closing): the check fails, the review still reports.
    const message = clip((err as Error).message ?? String(err));
    r = { total: 0, passed: 0, failed: 0, skipped: 0, failures: [], stopped: { kind: 'error', message } };
  }
  const counts = {
    zh: `通过 ${r.passed}，失败 ${r.failed}${r.skipped ? `，跳过 ${r.skipped}` : ''}，共 ${r.total}`,
    en: `${r.passed} passed, ${r.failed} failed${r.skipped ? `, ${r.skipped} skipped` : ''}, ${r.total} total`,
  };
  const stopped = stoppedWhy(r);
  if (r.failed === 0 && !stopped) {
    if (r.total === 0)
      return {
        id: 'tests',
        level: 'warn',
        zh: '附带的测试中没有可运行的测试用例',
        en: 'The shipped tests declare no test to run',
      };
    return {
      id: 'tests',
      level: 'pass',
      zh: `应用自带测试在沙箱中通过：${counts.zh}`,
      en: `The plugin's own tests passed in the sandbox: ${counts.en}`,
    };
  }
  const listed = r.failures.slice(0, maxListed);
  const more = r.failures.length - listed.length;
  const names = {
    zh: listed.map((f) => `「${f.name}」：${clip(f.message)}`).join('；') + (more > 0 ? `；另有 ${more} 项` : ''),
    en: listed.map((f) => `"${f.name}": ${clip(f.message)}`).join('; ') + (more > 0 ? `; and ${more} more` : ''),
  };
  return {
    id: 'tests',
    level: 'fail',
    zh: `应用自带测试未通过：${counts.zh}${stopped ? `。${stopped.zh}` : ''}${listed.length ? `。失败的测试：${names.zh}` : ''}`,
    en: `The plugin's own tests failed: ${counts.en}${stopped ? `. ${stopped.en}` : ''}${listed.length ? `. Failed: ${names.en}` : ''}`,
  };
}
