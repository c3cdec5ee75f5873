/** The Zoho access-token cache kept in the state store, so every run and instance shares one token. */
import type { CachedToken, TokenCache } from '../zoho/tokens';
import { StateConflictError, type StateStore } from './store';

export class StoredTokenCache implements TokenCache {
  private etag?: string;

  constructor(
    private readonly store: StateStore,
    private readonly org: string,
  ) {}

  async load(): Promise<CachedToken | undefined> {
    const record = await this.store.read<CachedToken>(this.org, 'token');
    this.etag = record?.etag;
    return record?.value;
  }

  async save(token: CachedToken): Promise<void> {
    try {
      this.etag = await this.store.write(this.org, 'token', token, this.etag);
    } catch (error) {
      // Another run saved a token meanwhile: theirs is as good as ours.
      if (!(error instanceof StateConflictError)) throw error;
    }
  }
}
