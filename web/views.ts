/**
 * The pages' templates: Nunjucks over web/views, with govuk-frontend's and MOJ Frontend's macros from
 * node_modules, and the view helpers of web/format.ts as filters.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import nunjucks from 'nunjucks';
import { projectRoot } from '../platform/paths';
import { money, ukDate, ukDateTime, words } from './format';

const require = createRequire(import.meta.url);
/** node_modules/govuk-frontend/dist (holds govuk/…) and node_modules/@ministryofjustice/frontend (holds moj/…). */
export const govukFrontendDir = path.join(path.dirname(require.resolve('govuk-frontend/package.json')), 'dist');
export const mojFrontendDir = path.dirname(require.resolve('@ministryofjustice/frontend/package.json'));

export function createViews(): nunjucks.Environment {
  const env = new nunjucks.Environment(
    new nunjucks.FileSystemLoader([path.join(projectRoot, 'web', 'views'), govukFrontendDir, mojFrontendDir], {
      noCache: false,
    }),
    { autoescape: true, throwOnUndefined: false, trimBlocks: true, lstripBlocks: true },
  );
  env.addFilter('ukDate', ukDate);
  env.addFilter('ukDateTime', ukDateTime);
  env.addFilter('money', money);
  env.addFilter('words', words);
  // MOJ's timeline macro formats its dates with `mojDate`; ours writes them in UK form, London time.
  env.addFilter('mojDate', (value: string, type: string) => (type === 'date' ? ukDate(value) : ukDateTime(value)));
  env.addGlobal('serviceName', 'Commissioning Casework');
  return env;
}
