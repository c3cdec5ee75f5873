/**
 * The one way this app loads code lazily: a dynamic import(), made on first use and then
 * shared. In the deployed bundle each such import() is a chunk of its own, which a start that
 * never needs it never parses (the Azure SDKs for identity, queues and Key Vault, telemetry,
 * the archive worker). A load that failed is tried again on the next use.
 */
export function onFirstUse<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
}
