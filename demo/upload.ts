// The job's COMMAND in the demo: a miniature tag2upload. It asks the archive API about the orig tarball, signs a git
// tag and the .changes with `gpg` from PATH (the gpg-gate shim), puts them into the upload queue (a local directory),
// and tells the API. Any failure exits 1; only gpg-gate knows whether that happened before or after a signature.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UPLOAD } from './upload-names.js';

const say = (text: string) => process.stdout.write(`  upload: ${text}\n`);

function need(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

/** Runs gpg as dgit and debsign do: by name on PATH, the argv they use (docs/design.md, "Facts about gpg and its callers"). */
function gpg(args: string[], cwd: string): void {
  say(`gpg ${args.map((a) => (a.includes(' ') ? `'${a}'` : a)).join(' ')}`);
  const r = spawnSync('gpg', args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`gpg failed (exit ${r.status ?? r.signal})`);
}

async function api(url: string, init?: RequestInit): Promise<unknown> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`the archive API answered HTTP ${res.status} ${res.statusText} for ${url}`);
  return res.json();
}

export async function upload(): Promise<number> {
  const apiUrl = need('DEMO_ARCHIVE_API');
  const queue = need('DEMO_UPLOAD_QUEUE');
  const key = need('DEMO_KEY_FPR');
  const work = mkdtempSync(join(need('DEMO_WORK'), 'attempt-'));
  try {
    say(`asking the archive whether it has ${UPLOAD.orig}`);
    const orig = (await api(`${apiUrl}/orig/${UPLOAD.orig}`)) as { present?: boolean };
    say(orig.present ? 'the archive has it' : 'not in the archive yet: it goes into this upload');

    writeFileSync(join(work, 'tag.tmp'), UPLOAD.tagObject(key));
    gpg(['--detach-sign', '--armor', '-u', key, 'tag.tmp'], work);

    writeFileSync(join(work, UPLOAD.changes), UPLOAD.changesText());
    gpg(
      [
        '--local-user',
        key,
        '--clearsign',
        '--armor',
        '--textmode',
        '--output',
        `${UPLOAD.changes}.asc`,
        UPLOAD.changes,
      ],
      work,
    );
    renameSync(join(work, `${UPLOAD.changes}.asc`), join(work, UPLOAD.changes));

    for (const f of ['tag.tmp', 'tag.tmp.asc', UPLOAD.changes]) copyFileSync(join(work, f), join(queue, f));
    say(`queued ${UPLOAD.changes} and the signed tag for the archive`);
    await api(`${apiUrl}/uploads/${UPLOAD.changes}`, { method: 'POST', body: UPLOAD.changes });
    say('the archive accepted the upload');
    return 0;
  } catch (err) {
    say(`FAILED: ${(err as Error).message}`);
    return 1;
  }
}
