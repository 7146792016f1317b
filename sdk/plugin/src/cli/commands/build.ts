import type { Command } from '../command.ts';
import { checkAndBundle, writeDist } from '../steps.ts';

/** `shequ-plugin build`; see `summary` and `usage`. */
export const command: Command = {
  summary: 'Check the manifest and bundle src/index.ts into dist/bundle.js / 构建',
  usage: 'build [DIR]',
  async run(input) {
    const started = performance.now();
    const built = await checkAndBundle(input);
    if (!built) return 1;
    writeDist(input, built);
    input.out(`done in ${Math.round(performance.now() - started)} ms`);
    return 0;
  },
};
