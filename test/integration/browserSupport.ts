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
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
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

/** Sends the sign-in form from a new page of `context`; the caller looks at where it lands (or its errors). */
export async function submitSignIn(
  context: BrowserContext,
  base: string,
  email: string,
  password: string,
): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${base}/sign-in`);
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  return page;
}

/** A person signed in in a context of their own: a consortium officer lands on the dashboard, anyone else on the inbox. */
export async function signedIn(
  browser: Browser,
  base: string,
  email: string,
  password: string,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await submitSignIn(context, base, email, password);
  await page.waitForURL(/\/(inbox|dashboard)$/);
  return { context, page };
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
