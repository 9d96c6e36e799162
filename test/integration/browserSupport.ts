/**
 * What the browser tests share: the app served on loopback, Debian's Chromium through playwright-core
 * (scripts/toolchain.ts installs it; nothing downloads a browser), axe-core with no serious or critical
 * violation allowed, and screenshots written to docs/screenshots/ on every run.
 */
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { projectRoot } from '../../platform/paths';
import { CHROMIUM_PATH } from '../../scripts/toolchain';
import type { Harness } from './support';

export const SCREENSHOTS = path.join(projectRoot, 'docs', 'screenshots');

/** The harness's app on a free loopback port, and its base URL. */
export async function serve(h: Harness): Promise<{ server: Server; base: string }> {
  const server = await new Promise<Server>((resolve) => {
    const listening = h.app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

export function launchChromium(): Promise<Browser> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Every page's axe findings, as the test file's log prints them at the end. */
export type AxeFindings = { page: string; violations: string[] }[];

/** axe-core on the page as it is: no serious or critical violation (the rest are recorded in `findings`). */
export async function accessible(page: Page, name: string, findings: AxeFindings): Promise<void> {
  const result = await new AxeBuilder({ page }).analyze();
  findings.push({ page: name, violations: result.violations.map((v) => `${v.id} (${v.impact})`) });
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`),
    `axe on ${name}`,
  ).toEqual([]);
}

export const shoot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
