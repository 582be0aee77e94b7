import { contactChannelLabels, findProfileField, purposes } from '@kith/schemas';
import type { PendingGrantRequest } from '../../grants/grant-request.service.ts';
import type { VendorDisplay } from '../../grants/vendor-display.ts';
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
        {request.contact && request.contact.channels.length > 0 && (
          <p>
            They also ask to contact you by{' '}
            {request.contact.channels
              .map((channel) => contactChannelLabels[channel].toLowerCase())
              .join(', ')}
            , at most {request.contact.max_per_week} time{request.contact.max_per_week === 1 ? '' : 's'} a
            week
            {request.contact.purposes.includes('marketing')
              ? ', including offers'
              : ', for service messages only'}
            .
          </p>
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
