import { existsSync, mkdirSync, readdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from '../command.ts';
import { scaffoldFiles } from '../scaffold.ts';

/** This SDK's folder: the scaffold links to the installation that created it, so nothing needs publishing. */
const sdkDir = realpathSync(fileURLToPath(new URL('../../../', import.meta.url)));

/** Whether node would find this SDK from `dir` through some node_modules folder above it. */
function resolvesSdk(dir: string): boolean {
  for (let d = dir; ; d = dirname(d)) {
    const candidate = join(d, 'node_modules', '@shequ', 'plugin-sdk');
    if (existsSync(candidate)) return realpathSync(candidate) === sdkDir;
    if (dirname(d) === d) return false;
  }
}

/** `shequ-plugin new`; see `summary` and `usage`. */
export const command: Command = {
  summary: 'Create a plugin that validates, builds and passes its tests / 新建应用',
  usage: 'new NAME [--dir DIR] [--id ID]',
  options: { dir: { type: 'string' }, id: { type: 'string' } },
  async run(input) {
    const [name] = input.positionals;
    if (!name || !/^[a-z][a-z0-9-]{1,39}$/.test(name)) {
      input.err('NAME must be lower case letters, digits and dashes (2–40), for example volunteer-signup');
      return 2;
    }
    const dir = resolve(input.cwd, (input.values.dir as string | undefined) ?? name);
    if (existsSync(dir) && readdirSync(dir).length > 0) {
      input.err(`${dir} exists and is not empty`);
      return 1;
    }
    const id = (input.values.id as string | undefined) ?? `local.dev.${name}`;
    const rel = relative(dir, sdkDir).split('\\').join('/');
    for (const [path, content] of Object.entries(scaffoldFiles({ name, id, sdk: `file:${rel}` }))) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    if (!resolvesSdk(dir)) {
      // Outside an installation that has the SDK: link it, the way `npm install` would link a file: dependency.
      mkdirSync(join(dir, 'node_modules', '@shequ'), { recursive: true });
      symlinkSync(sdkDir, join(dir, 'node_modules', '@shequ', 'plugin-sdk'), 'dir');
      mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
      symlinkSync(join(sdkDir, 'bin', 'shequ-plugin.mjs'), join(dir, 'node_modules', '.bin', 'shequ-plugin'));
      input.out(`linked node_modules/@shequ/plugin-sdk -> ${sdkDir}`);
    }
    input.out(`created ${id} in ${dir}`);
    input.out(`next: cd ${relative(input.cwd, dir) || '.'} && npx shequ-plugin test`);
    return 0;
  },
};
