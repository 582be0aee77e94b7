import { type ContactTerms, findProfileField, purposes } from '@kith/schemas';
import type { PendingGrantRequest } from '../../grants/grant-request.service.ts';
import type { VendorDisplay } from '../../grants/vendor-display.ts';
import { channelList, timesWords } from '../contact-words.ts';
import { CsrfField } from '../csrf.tsx';
import { describeDuration } from '../field-value.ts';
import { formatMoment } from '../format.ts';
import { Layout, Notice } from '../layout.tsx';
import { VendorAddress, VendorName } from '../vendor-label.tsx';
import { type ApproveTerms, TermsChoice } from './terms-choice.tsx';

export interface ApprovePageProps {
  nonce: string;
  csrfToken: string;
  request: PendingGrantRequest;
  vendor: VendorDisplay;
  /** Each requested field's current value as text, or undefined when not filled in. */
  values: Record<string, string | undefined>;
  /** The owner's terms and the agreements the vendor accepted. */
  terms: ApproveTerms;
  /** The contact the grant will allow if the owner lets them (`approvalContact`); null when none was asked. */
  contact: ContactTerms | null;
}

const SHORTER_CHOICES = [3600, 86400, 7 * 86400, 30 * 86400, 90 * 86400, 365 * 86400];

/**
 * The owner's decision: who asks (name and the domain Kith verified), for
 * which fields (with what they hold now), why, for how long, and what the
 * vendor will be able to do. Approve and Decline sit side by side, the same size.
 */
export function ApprovePage(props: ApprovePageProps) {
  const { request, vendor } = props;
  const purpose = purposes[request.purpose];
  const durations = [...SHORTER_CHOICES.filter((s) => s < request.durationSeconds), request.durationSeconds];
  const missing = [...request.fields].filter((f) => props.values[f] === undefined);
  const elsewhere = redirectElsewhere(request.redirectUri, vendor.clientId);
  return (
    <Layout
      title={`${vendor.name} asks for your details`}
      nonce={props.nonce}
      csrfToken={props.csrfToken}
      signedIn
    >
      <h1>
        <VendorName name={vendor.name} /> asks for your details
      </h1>
      <p class="lede">
        Verified address: <VendorAddress vendor={vendor} strong />
        {vendor.policy && (
          <>
            {' · '}
            <a href={vendor.policy} rel="noopener noreferrer" target="_blank">
              their privacy policy
            </a>
          </>
        )}
      </p>
      {elsewhere && (
        <p data-kith="redirect-target">
          After you decide, your browser goes to{' '}
          <strong>
            <bdi dir="ltr">{elsewhere}</bdi>
          </strong>
          , not the address above.
        </p>
      )}
      <form method="post" action={`/approve/${request.id}`} class="card">
        <CsrfField token={props.csrfToken} />
        <h2 id="why">Why</h2>
        <p>
          <strong>{purpose.label}.</strong> {purpose.description}
        </p>
        <TermsChoice terms={props.terms} />
        <fieldset class="grant-fields" aria-describedby="fields-hint">
          <legend class="grant-fields__legend">What they will be able to read</legend>
          <p id="fields-hint" class="small">
            Required details are what they need for this purpose: approving shares them. Optional ones are
            shared only if you tick them.
          </p>
          <ul class="grant-fields__list">
            {request.fields.map((path) => (
              <FieldRow path={path} value={props.values[path]} required />
            ))}
            {request.optionalFields.map((path) => (
              <FieldRow path={path} value={props.values[path]} />
            ))}
          </ul>
        </fieldset>
        {missing.length > 0 && (
          <Notice kind="info" title="Some details are not filled in">
            <p>
              They will see nothing for those until you add them. <a href="/profile">Fill them in now</a>,
              then come back to this page.
            </p>
          </Notice>
        )}
        <div class="field">
          <label class="field__label" for="duration">
            For how long
          </label>
          <select id="duration" name="duration" class="input--medium">
            {durations.map((seconds) => (
              <option value={String(seconds)} selected={seconds === request.durationSeconds}>
                {describeDuration(seconds)}
                {seconds === request.durationSeconds ? ' (as asked)' : ''}
              </option>
            ))}
          </select>
          <p class="field__hint">You can end this at any time from your vault, in one step.</p>
        </div>
        {props.contact && props.contact.channels.length > 0 && (
          <ContactConsent contact={props.contact} askedPerWeek={request.contact?.max_per_week} />
        )}
        <p class="small">This request expires at {formatMoment(request.expiresAt)}.</p>
        <div class="decision">
          <button type="submit" name="decision" value="approve" class="button button--primary button--wide">
            Approve
          </button>
          <button type="submit" name="decision" value="decline" class="button button--secondary button--wide">
            Decline
          </button>
        </div>
      </form>
    </Layout>
  );
}

/**
 * What contact they ask for, with the weekly limit that will apply (the
 * owner's own, when lower), and an opt-in that starts unticked: approving
 * without it shares the details and allows no contact.
 */
function ContactConsent(props: { contact: ContactTerms; askedPerWeek: number | undefined }) {
  const { contact, askedPerWeek } = props;
  const lowered = askedPerWeek !== undefined && askedPerWeek > contact.max_per_week;
  return (
    <fieldset class="grant-fields" data-kith="contact-consent" aria-describedby="contact-ask">
      <legend class="grant-fields__legend">Contact</legend>
      <p id="contact-ask" data-kith="contact-ask">
        They also ask to contact you by {channelList(contact.channels)},{' '}
        {contact.purposes.includes('marketing') ? 'including offers' : 'for service messages only'}: at most{' '}
        <strong data-kith="contact-limit">{timesWords(contact.max_per_week)} a week</strong>
        {lowered ? ` (your limit; they asked for ${timesWords(askedPerWeek)})` : ''}.
      </p>
      <div class="check">
        <input type="checkbox" id="contact" name="contact" value="yes" />
        <label for="contact">Let them contact me</label>
      </div>
      <p class="small">Leave it unticked to share your details without allowing any contact.</p>
    </fieldset>
  );
}

/**
 * Where the browser goes after the decision, when that is not the client id's own origin:
 * the owner should know they are sent to another site (origin and path; the query is the vendor's).
 */
function redirectElsewhere(redirectUri: string | null, clientId: string): string | undefined {
  if (!redirectUri) return undefined;
  const target = new URL(redirectUri);
  return target.origin === new URL(clientId).origin ? undefined : `${target.origin}${target.pathname}`;
}

function FieldRow(props: { path: string; value: string | undefined; required?: boolean }) {
  const field = findProfileField(props.path);
  const id = `field-${props.path.replaceAll('.', '-')}`;
  return (
    <li class="grant-field">
      <input
        type="checkbox"
        id={id}
        name="fields"
        value={props.path}
        checked={props.required === true}
        disabled={props.required}
        aria-describedby={`${id}-value`}
      />
      <label for={id} class="grant-field__label">
        {field?.label ?? props.path}
        <span class="grant-field__need">{props.required ? ' required' : ' optional'}</span>
        {field?.sensitivity === 'sensitive' && <span class="badge badge--sensitive">sensitive</span>}
      </label>
      <p class="grant-field__value" id={`${id}-value`}>
        {props.value === undefined ? <em>Not filled in yet</em> : props.value}
      </p>
    </li>
  );
}
