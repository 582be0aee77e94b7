/**
 * Where to go after signing in: a path on this site, or home. Anything that
 * could leave the site (`//evil.example`, `/\evil.example`, a scheme, control
 * characters) is refused, so the sign-in page is no open redirect.
 *
 * @example
 * safeNextPath('/approve/grq_1') // '/approve/grq_1'
 * safeNextPath('//evil.example') // '/'
 */
export function safeNextPath(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length > 500) return '/';
  if (!raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return '/';
  if (raw.includes('\\') || [...raw].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f))
    return '/';
  return raw;
}
