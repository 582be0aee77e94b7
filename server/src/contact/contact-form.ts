import { type ContactTermsOverride, contactTermsOverrideSchema } from '@kith/schemas';

/** The form's answer: terms to save, or what to tell the owner. */
export type ContactTermsForm = { ok: true; override: ContactTermsOverride } | { ok: false; errors: string[] };

/**
 * Reads the vendor page's contact-terms form (`channels` ticked, `marketing`
 * yes/no, `max_per_week`, `quiet_start`/`quiet_end`) into terms to save.
 * "Do not contact" has its own form and is kept as it is.
 *
 * @example
 * const form = parseContactTermsForm(await c.req.parseBody({ all: true }), current.override);
 */
export function parseContactTermsForm(
  body: Record<string, unknown>,
  current: ContactTermsOverride,
): ContactTermsForm {
  const text = (name: string) => (typeof body[name] === 'string' ? (body[name] as string).trim() : '');
  const ticked = body.channels === undefined ? [] : [body.channels].flat();
  const max = text('max_per_week');
  const start = text('quiet_start');
  const end = text('quiet_end');
  const errors: string[] = [];
  if (max !== '' && !/^\d+$/.test(max))
    errors.push('Enter the contacts per week as a whole number from 0 to 100.');
  if ((start === '') !== (end === '')) errors.push('Give quiet hours both a start and an end, or neither.');
  const parsed = contactTermsOverrideSchema.safeParse({
    channels: ticked,
    allowMarketing:
      text('marketing') === 'yes' ? true : text('marketing') === 'no' ? false : current.allowMarketing,
    maxPerWeek: max === '' ? null : Number(max),
    quietHours: start === '' || end === '' ? null : { start, end },
    doNotContact: current.doNotContact,
  });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path[0];
      errors.push(
        path === 'maxPerWeek'
          ? 'Enter the contacts per week as a whole number from 0 to 100.'
          : path === 'quietHours'
            ? issue.message
            : 'Choose only the ways of contact listed.',
      );
    }
  }
  return errors.length > 0 || !parsed.success
    ? { ok: false, errors: [...new Set(errors)] }
    : { ok: true, override: parsed.data };
}
