import type { Command } from '../command.ts';
import { checkAndBundle, checkHandlers } from '../steps.ts';

/** `shequ-plugin validate`; see `summary` and `usage`. */
export const command: Command = {
  summary: 'Check the manifest, pages and that the bundle exports every declared handler / 校验',
  usage: 'validate [DIR]',
  async run(input) {
    const built = await checkAndBundle(input);
    if (!built || !(await checkHandlers(input, built))) return 1;
    const m = built.manifest;
    input.out(
      `${m.id}@${m.version} is valid: ${Object.keys(m.handlers).length} handlers, ` +
        `${Object.keys(m.collections ?? {}).length} collections, ${Object.keys(m.pages ?? {}).length} pages`,
    );
    return 0;
  },
};
