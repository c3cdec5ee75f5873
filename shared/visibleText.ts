/**
 * Text from outside (a Zoho user's name, an error text, a setting) must not act on what shows
 * it: C0 and C1 control characters move a terminal's cursor, clear it or retitle its window
 * (ESC, BEL, CSI...), and the Unicode bidirectional controls reverse a line in a terminal or a
 * chat message (U+202E). Each is shown as its code point instead, e.g. "[U+202E]", at the
 * three places text leaves the app: a terminal, a log line, a chat message. Tab and newline stay.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is what it is for.
const UNSAFE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

export function visibleText(text: string): string {
  return text.replace(UNSAFE, (c) => `[U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}]`);
}
