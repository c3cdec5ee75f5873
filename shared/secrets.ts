/**
 * The secrets this process knows: the configured ones (client secret, refresh token, webhook
 * URLs) and every access token it minted. Text from outside (Zoho's error messages, token
 * endpoint errors) is scrubbed against them where the error is made, so that no sink (the CLI,
 * reports, state, HTTP answers, chat) can repeat one. An echo that Zoho cut short still
 * shares a run of characters with the secret, and is redacted too.
 */
const REDACTED = '[redacted]';
/** Zoho access and refresh tokens look like 1000.<hex>.<hex>; a cut-off one keeps its start. */
const ZOHO_TOKEN = /\b1000\.[0-9a-f]{8,}(?:\.[0-9a-f]*)?/gi;
/** Runs of the characters tokens and URLs are made of. */
const TOKENISH_RUN = /[\w.~:/?#=&%+@-]{8,}/g;
/** Shorter shared runs are coincidence (words, hosts); this long is part of a secret. */
const SHARED_RUN = 8;

/**
 * What of a secret must never be repeated: all of it, and for a URL each path segment or query
 * value that looks like key material (a digit or a capital in it), so that a Zoho message
 * mentioning "services" or "https://" is not taken for a webhook URL.
 */
function materialOf(secret: string): string[] {
  let url: URL;
  try {
    url = new URL(secret);
  } catch {
    return [secret];
  }
  const pieces = [...url.pathname.split('/'), ...url.searchParams.values()];
  return [secret, ...pieces.filter((piece) => piece.length >= SHARED_RUN && /[0-9A-Z]/.test(piece))];
}

export class SecretScrubber {
  private readonly secrets = new Set<string>();

  constructor(secrets: readonly (string | undefined)[] = []) {
    for (const secret of secrets) if (secret) this.add(secret);
  }

  add(secret: string): void {
    if (secret.length < SHARED_RUN) return;
    for (const piece of materialOf(secret)) this.secrets.add(piece);
  }

  scrub(text: string): string {
    let clean = text;
    // Longest first, so that a whole URL goes before its pieces.
    for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) clean = clean.split(secret).join(REDACTED);
    clean = clean.replace(ZOHO_TOKEN, REDACTED);
    // Whole URLs share "https://" with any link: only their key material counts for partial echoes.
    const material = [...this.secrets].filter((secret) => !secret.includes('://'));
    return clean.replace(TOKENISH_RUN, (run) => (sharesRun(run, material) ? REDACTED : run));
  }
}

/** Whether `run` shares SHARED_RUN characters in a row with any secret: an echo, whole or cut. */
function sharesRun(run: string, material: readonly string[]): boolean {
  for (let i = 0; i + SHARED_RUN <= run.length; i += 1) {
    const window = run.slice(i, i + SHARED_RUN);
    if (material.some((secret) => secret.includes(window))) return true;
  }
  return false;
}

/** Scrubs, then cuts to `max` characters: cutting first could leave half a secret. */
export function outsideText(text: string, scrubber: SecretScrubber | undefined, max: number): string {
  return (scrubber ? scrubber.scrub(text) : text.replace(ZOHO_TOKEN, REDACTED)).slice(0, max);
}
