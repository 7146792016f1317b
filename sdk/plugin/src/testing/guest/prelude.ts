/**
 * Globals the plugin's test files may touch at load time that the sandbox lacks. Tests commonly write
 * `new URL('..', import.meta.url)` for the plugin folder; in the sandbox that folder is the package itself, so a
 * URL here only carries its text.
 */
if (typeof (globalThis as { URL?: unknown }).URL === 'undefined') {
  class SandboxUrl {
    readonly href: string;
    constructor(path: string | SandboxUrl, base?: string | SandboxUrl) {
      this.href = base === undefined ? String(path) : `${String(base).replace(/[^/]*$/, '')}${String(path)}`;
    }
    toString() {
      return this.href;
    }
    toJSON() {
      return this.href;
    }
  }
  (globalThis as { URL?: unknown }).URL = SandboxUrl;
}
