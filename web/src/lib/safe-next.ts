/**
 * Where to go after signing in, from the URL's `next`: only a path of this site. Browsers drop
 * tabs and newlines from URLs, so `/\t/evil.example` would become `//evil.example`, another
 * site; anything but printable ASCII, a second leading slash or a backslash falls back to `/`.
 */
export function safeNext(value: string | null): string {
  if (!value || !/^\/(?![/\\])[\x21-\x7e]*$/.test(value) || value.includes('\\')) return '/';
  return value;
}
