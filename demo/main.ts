// `npm run demo` (dist/demo.js). One bundle plays every part: with no arguments it tells the story; `upload` is the
// job's command and `hook FILE` the commit step, run by gpg-gate as separate processes.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commitHook } from './commit-hook.js';
import { story } from './story.js';
import { upload } from './upload.js';

const self = fileURLToPath(import.meta.url);
const paths = { node: process.execPath, cli: join(dirname(self), 'gpg-gate.js'), self };

async function main(args: string[]): Promise<number> {
  const [role, ...rest] = args;
  if (role === 'upload') return upload();
  if (role === 'hook' && rest[0]) return commitHook(rest[0]);
  if (role === undefined || role === '--keep') return story(paths, { keep: role === '--keep' });
  process.stderr.write('usage: node dist/demo.js [--keep]\n');
  return 64;
}

process.exitCode = await main(process.argv.slice(2));
