/**
 * What each integration test file has to itself, beside its own database (database.ts): a Temporal
 * namespace, created by the global set-up for every test file, so that two files can never share a
 * workflow ID; and a loopback SMTP server with its own mail folder, so that each file counts only
 * the e-mails it caused (issue 11).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { freePort, startMailCatcher, type MailCatcher } from '../../scripts/services';

/** The namespace of a test file: `it-` and the file's name (test/integration/authorisation.test.ts → it-authorisation). */
export function namespaceForFile(file: string): string {
  return `it-${path
    .basename(file)
    .replace(/\.(test|fails|passes|teardown-fails)?\.?ts$/, '')
    .replace(/[^A-Za-z0-9-]/g, '-')}`;
}

/** This test file's namespace (the global set-up created it). */
export function fileNamespace(): string {
  const file = expect.getState().testPath;
  if (!file) throw new Error('fileNamespace() is called from a test file, in a hook or a test');
  return namespaceForFile(file);
}

let mail: Promise<MailCatcher & { dir: string }> | undefined;

/** This test file's own SMTP server and mail folder, started on first use; `stop()` ends it. */
export function fileMail(): Promise<MailCatcher & { dir: string }> {
  mail ??= (async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'casework-it-mail-'));
    const catcher = await startMailCatcher({ port: await freePort(), dir });
    return {
      ...catcher,
      dir,
      stop: async () => {
        await catcher.stop();
        fs.rmSync(dir, { recursive: true, force: true });
        mail = undefined;
      },
    };
  })();
  return mail;
}
