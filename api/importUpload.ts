/**
 * Uploading a quarterly list-size file (issue 15): the multipart body is streamed with busboy to a
 * file of its own in the temporary folder, hashed on the way, and cut off at {@link MAX_UPLOAD_BYTES}.
 * The API (`POST /imports`) and the admin page (`/admin/imports`) both receive files this way; then
 * {@link startUploadedImport} records the run and imports it in the background, so its progress can
 * be followed on the run.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import busboy from 'busboy';
import type { Request } from 'express';
import type { Client } from '@temporalio/client';
import type { Db } from '../platform/db';
import type { Logger } from '../platform/log';
import { NHS_2013_DIR } from '../platform/paths';
import { runQuarterlyImport } from './useCases/quarterlyImport';

/** A quarterly file is about 2 MB; ten times that is refused. */
export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;
/** The form field that carries the file. */
export const UPLOAD_FIELD = 'file';

export interface ReceivedFile {
  /** Where it was saved (its own folder, under its own name so the quarter can be read from it). */
  path: string;
  /** The name it was sent with, reduced to a safe base name. */
  name: string;
  sizeBytes: number;
  checksum: string;
}

export interface Upload {
  fields: Record<string, string>;
  file: ReceivedFile | null;
  /** Why the upload cannot be used (the field, the reason), or null. */
  problem: { field: string; reason: string } | null;
}

const safeName = (name: string | undefined) =>
  path
    .basename((name ?? '').replace(/\\/g, '/'))
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .slice(0, 120) || 'upload.csv';

/**
 * Streams one multipart request. `beforeFile` sees the fields sent before the file (the page's CSRF
 * token is the form's first field): when it says no, the file is drained, not saved.
 */
export function receiveUpload(
  req: Request,
  beforeFile: (fields: Record<string, string>) => boolean = () => true,
): Promise<Upload> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        limits: { files: 1, fileSize: MAX_UPLOAD_BYTES, fields: 10, fieldSize: 1024, parts: 12 },
      });
    } catch {
      resolve({
        fields: {},
        file: null,
        problem: { field: 'body', reason: 'send the file as multipart/form-data' },
      });
      return;
    }
    const fields: Record<string, string> = {};
    let saving: Promise<ReceivedFile | null> = Promise.resolve(null);
    let problem: Upload['problem'] = null;
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      // A form sent with no file chosen still has the part, with no name and no bytes.
      if (name !== UPLOAD_FIELD || !info.filename || !beforeFile(fields)) {
        stream.resume();
        return;
      }
      saving = (async () => {
        const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'casework-upload-'));
        const target = path.join(dir, safeName(info.filename));
        const hash = createHash('sha256');
        let size = 0;
        await pipeline(
          stream,
          new Transform({
            transform(chunk: Buffer, _encoding, done) {
              hash.update(chunk);
              size += chunk.length;
              done(null, chunk);
            },
          }),
          fs.createWriteStream(target),
        );
        if ((stream as { truncated?: boolean }).truncated) {
          await fs.promises.rm(dir, { recursive: true, force: true });
          problem = {
            field: UPLOAD_FIELD,
            reason: `the file is larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MB: a quarterly list-size file is about 2 MB`,
          };
          return null;
        }
        return { path: target, name: safeName(info.filename), sizeBytes: size, checksum: hash.digest('hex') };
      })();
    });
    parser.on('error', reject);
    parser.on('close', () => {
      saving
        .then((file) => {
          if (!problem && !file) problem = { field: UPLOAD_FIELD, reason: 'choose a list-size file (CSV) to upload' };
          if (!problem && file && file.sizeBytes === 0) problem = { field: UPLOAD_FIELD, reason: 'the file is empty' };
          resolve({ fields, file: problem ? null : file, problem });
        })
        .catch(reject);
    });
    req.pipe(parser);
  });
}

/** Discards a received file that will not be imported. */
export async function discardUpload(file: ReceivedFile | null): Promise<void> {
  if (file) await fs.promises.rm(path.dirname(file.path), { recursive: true, force: true });
}

/**
 * Records the run (status `running`) and imports the file in the background against the clone's
 * organisation files and practice register; the file is deleted afterwards. Returns the run's number.
 */
export async function startUploadedImport(
  deps: { db: Db; temporal: Client; taskQueue: string; log: Logger },
  file: ReceivedFile,
  options: { actor: string; period?: string; allowOlder: boolean },
): Promise<number> {
  const { db, log } = deps;
  const run = await db.importRun.create({
    data: {
      fileName: file.name,
      checksum: file.checksum,
      sizeBytes: file.sizeBytes,
      actor: options.actor,
      via: 'upload',
      status: 'running',
    },
    select: { id: true },
  });
  void runQuarterlyImport(db, () => Promise.resolve({ db, temporal: deps.temporal, taskQueue: deps.taskQueue }), {
    dir: NHS_2013_DIR,
    listSizeFile: file.path,
    ...(options.period ? { period: options.period } : {}),
    allowOlder: options.allowOlder,
    actor: options.actor,
    via: 'upload',
    runId: run.id,
  })
    .then(({ summary }) => log.info('import run finished', { run: run.id, changed: summary.changed }))
    // The run records why it was refused or failed; the log says it too.
    .catch((error: unknown) =>
      log.warn('import run did not finish', { run: run.id, error: error instanceof Error ? error.message : error }),
    )
    .finally(() => void discardUpload(file));
  return run.id;
}
