/**
 * Safe HTML from untrusted text: everything from Zoho, the state or the settings is escaped as
 * text, with control and bidirectional characters shown as code points (visibleText), and
 * links keep only scheme, host and path (a download link's query may carry a token).
 */
import { createHash } from 'node:crypto';
import { visibleText } from '../visibleText';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text, escaped for an element or a quoted attribute. */
export function text(value: unknown): string {
  return visibleText(String(value ?? '')).replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/** A link's address without query or fragment, or undefined when it is not http(s). */
export function plainLink(url: string): string | undefined {
  if (!URL.canParse(url)) return undefined;
  const parsed = new URL(url);
  return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? `${parsed.origin}${parsed.pathname}` : undefined;
}

/**
 * The page's one stylesheet is inline, allowed by its hash: the Content-Security-Policy allows
 * nothing else. The file carries it in a <meta> element; a server sends it as a header too, with
 * frame-ancestors, which browsers take only from a header.
 */
export function contentSecurityPolicy(style: string, asHeader = false): string {
  const hash = createHash('sha256').update(style).digest('base64');
  const policy = `default-src 'none'; style-src 'sha256-${hash}'; img-src data:; base-uri 'none'; form-action 'none'`;
  return asHeader ? `${policy}; frame-ancestors 'none'` : policy;
}
