/**
 * The floor of a quiet check (bench/coldStart.ts): the same round trips a quiet timer check
 * makes, with the same libraries, and none of the product's code. Bundled with the app's own
 * esbuild options by bench/libraries.mjs, then timed in fresh processes beside the product.
 * A quiet check reads its cached token and its state from Table storage, asks Zoho for the
 * backup history while the state read runs, validates the answer, and writes its state back
 * conditionally: three Table requests and one Zoho call. What the product takes beyond this is
 * its own code (settings, planning, the host's model) and what it loads for other cases.
 *   FLOOR_STORAGE=<connection string> FLOOR_ZOHO_URL=<history URL> node <bundled file>
 * The table "benchfloor" must hold the entities "token" and "watch" under partition "floor".
 */
import '@azure/functions';
import { TableClient } from '@azure/data-tables';
import axios from 'axios';
import axiosRetry from 'axios-retry';
import * as z from 'zod/mini';

const historyPage = z.object({
  history: z.array(
    z.object({
      id: z.string(),
      log_time: z.nullable(z.iso.datetime({ offset: true })),
      state: z.optional(z.nullable(z.string())),
      file_name: z.optional(z.nullable(z.string())),
    }),
  ),
  info: z.object({ page: z.int(), per_page: z.int(), count: z.int(), more_records: z.boolean() }),
});

const table = TableClient.fromConnectionString(process.env.FLOOR_STORAGE, 'benchfloor', { allowInsecureConnection: true });
const http = axios.create({ timeout: 10_000, maxRedirects: 0, responseType: 'text' });
axiosRetry(http, { retries: 2 });

const token = await table.getEntity('floor', 'token');
const [state, answer] = await Promise.all([
  table.getEntity('floor', 'watch'),
  http.get(process.env.FLOOR_ZOHO_URL, {
    params: { page: 1, per_page: 200 },
    headers: { Authorization: `Zoho-oauthtoken ${token.value}` },
  }),
]);
historyPage.parse(JSON.parse(answer.data));
await table.updateEntity({ partitionKey: 'floor', rowKey: 'watch', json: state.json }, 'Replace', { etag: state.etag });
