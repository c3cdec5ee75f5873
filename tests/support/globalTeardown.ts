import type { RunningAzurite } from './azuriteProcess';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __AZURITE__?: RunningAzurite }).__AZURITE__?.stop();
}
