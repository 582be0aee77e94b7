import {
  type ContactChannel,
  type ContactReason,
  contactChannelLabels,
  findProfileField,
  type Purpose,
  profileFields,
  purposes,
} from '@kith/schemas';
import type { AccessAction, AccessLogEntry } from '../../audit/audit.service.ts';
import { describeDuration } from '../field-value.ts';
import { VendorName } from '../vendor-label.tsx';

/** Where the vendor's name goes in a sentence. */
export const VENDOR = Symbol('vendor');

/** A sentence as words and the vendor's place in them; the name is set apart when shown. */
export type SentenceParts = readonly (string | typeof VENDOR)[];

type Detail = AccessLogEntry['detail'];

/** Why a contact was refused, to end "…was refused: ". */
const refusalText: Record<ContactReason, string> = {
  allowed: 'it was allowed',
  do_not_contact: 'you said do not contact',
  channel_not_allowed: 'that is not a way you allow',
  purpose_not_allowed: 'it did not ask to contact you about that',
  marketing_refused: 'you said no marketing',
  weekly_limit_reached: 'its weekly limit was reached',
  quiet_hours: 'it was during your quiet hours',
};

/**
 * Every kind of log entry as a sentence, naming what was read or granted by
 * the catalogue's labels. Typed over every `AccessAction`, so a new kind
 * without a sentence does not compile.
 */
const sentences: Record<AccessAction, (detail: Detail) => SentenceParts> = {
  'data.read': (d) =>
    hasFields(d)
      ? [VENDOR, ` read your ${fieldList(d)}.`]
      : [VENDOR, ' asked for your details, but none it may read are filled in.'],
  'data.read_unchanged': (d) => [
    VENDOR,
    hasFields(d)
      ? ` checked your ${fieldList(d)} for changes; there were none, so nothing was sent.`
      : ' checked your details for changes; there were none, so nothing was sent.',
  ],
  'grant.approved': (d) => ['You approved ', VENDOR, ` reading your ${fieldList(d)}${purposeText(d)}.`],
  'grant.declined': (d) => ['You declined ', VENDOR, `’s request for your ${fieldList(d)}.`],
  'grant.collected': (d) => [VENDOR, ` picked up your approval to read your ${fieldList(d)}.`],
  'grant.revoked': (d) => ['You stopped ', VENDOR, ` reading your ${fieldList(d)}.`],
  'grant.relinquished': (d) => [VENDOR, ` gave back its access to your ${fieldList(d)}.`],
  'grant.narrowed': (d) => [
    'You stopped sharing your ',
    fieldList({ fields: d.removed }),
    ' with ',
    VENDOR,
    `, which it never read; it may still read your ${fieldList(d)}.`,
  ],
  'grant.shared': (d) => [
    `You shared your ${fieldList(d)} with `,
    VENDOR,
    typeof d.durationSeconds === 'number' ? ` for ${describeDuration(d.durationSeconds)}.` : '.',
  ],
  'relationship.ended': (d) => [
    'You ended your relationship with ',
    VENDOR,
    typeof d.erasureDays === 'number'
      ? ` and asked it to erase your data within ${d.erasureDays} day${d.erasureDays === 1 ? '' : 's'}.`
      : ' and asked it to erase your data.',
  ],
  'erasure.acknowledged': (d) => [
    VENDOR,
    d.late === true
      ? ' confirmed it erased your data, after the deadline.'
      : ' confirmed it erased your data.',
  ],
  'contact.checked': (d) => [
    VENDOR,
    ` asked whether it may contact you ${contactText(d)}: ${
      d.allowed === true ? 'yes.' : `no, ${refusal(d)}.`
    }`,
  ],
  'contact.recorded': (d) => [VENDOR, ` contacted you ${contactText(d)}.`],
  'contact.refused': (d) => [
    VENDOR,
    ` tried to contact you ${contactText(d)} and was refused: ${refusal(d)}.`,
  ],
  'contact.terms_changed': (d) =>
    d.do_not_contact === true
      ? ['You told ', VENDOR, ' not to contact you at all.']
      : ['You changed how ', VENDOR, ' may contact you.'],
  'terms.changed': () => ['You changed the terms you offer ', VENDOR, '.'],
};

/**
 * What a log entry says happened, in words: "Shop.example read your email
 * address and postal address." An action this page does not know is shown
 * by its name rather than hidden.
 */
export function activitySentence(entry: Pick<AccessLogEntry, 'action' | 'detail'>): SentenceParts {
  const sentence = sentences[entry.action as AccessAction];
  return sentence ? sentence(entry.detail) : [VENDOR, `: ${entry.action}.`];
}

/** A log entry's sentence, the vendor's name set apart; "every vendor" when it concerns none. */
export function ActivitySentence(props: {
  entry: Pick<AccessLogEntry, 'action' | 'detail'>;
  vendorName: string | null;
}) {
  const parts = activitySentence(props.entry);
  return (
    <>
      {parts.map((part, i) => {
        if (part !== VENDOR) return part;
        if (props.vendorName === null) return i === 0 ? 'A vendor' : 'every vendor';
        return <VendorName name={props.vendorName} />;
      })}
    </>
  );
}

function hasFields(detail: Detail): boolean {
  return Array.isArray(detail.fields) && detail.fields.length > 0;
}

/** "email address, phone number and postal address": the catalogue's labels, in its order. */
function fieldList(detail: Detail): string {
  const fields = Array.isArray(detail.fields) ? detail.fields.map(String) : [];
  if (fields.length === 0) return 'details';
  const rank = (path: string) => {
    const index = profileFields.findIndex((f) => f.path === path);
    return index === -1 ? profileFields.length : index;
  };
  const labels = [...fields]
    .sort((a, b) => rank(a) - rank(b))
    .map((path) => lowerFirst(findProfileField(path)?.label ?? path));
  return labels.length === 1
    ? (labels[0] as string)
    : `${labels.slice(0, -1).join(', ')} and ${labels.at(-1) as string}`;
}

function purposeText(detail: Detail): string {
  const purpose = purposes[detail.purpose as Purpose];
  return purpose ? ` to ${lowerFirst(purpose.label)}` : '';
}

/** "by email about offers", "by text message with a service message". */
function contactText(detail: Detail): string {
  const label = contactChannelLabels[detail.channel as ContactChannel];
  const by = label ? `by ${lowerFirst(label)}` : '';
  const about = detail.purpose === 'marketing' ? 'about offers' : 'with a service message';
  return [by, about].filter(Boolean).join(' ');
}

function refusal(detail: Detail): string {
  return refusalText[detail.reason as ContactReason] ?? 'it was not allowed';
}

/** "Email address" → "email address"; an initialism such as "URL" stays as it is. */
function lowerFirst(text: string): string {
  return /^[A-Z][a-z]/.test(text) ? `${text[0]?.toLowerCase()}${text.slice(1)}` : text;
}
