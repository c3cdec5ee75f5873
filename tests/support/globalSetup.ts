/**
 * Starts one Azurite (blob, queue, table; in memory) on free loopback ports for the whole
 * test run and hands its connection string to the test workers via AZURITE_CONNECTION_STRING.
 */
import { type RunningAzurite, startAzurite } from './azuriteProcess';

export default async function globalSetup(): Promise<void> {
  const azurite = await startAzurite();
  (globalThis as { __AZURITE__?: RunningAzurite }).__AZURITE__ = azurite;
  process.env.AZURITE_CONNECTION_STRING = azurite.connectionString;
}
