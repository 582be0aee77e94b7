import type { ContactChannel, ContactEventView, ContactReason, VendorContactTermsView } from '@kith/schemas';
import { channelLabel, channelList, timesWords } from '../contact-words.ts';
import { CsrfField } from '../csrf.tsx';
import { formatMoment } from '../format.ts';
import { Notice } from '../layout.tsx';
import { VendorName } from '../vendor-label.tsx';

export interface ContactSectionProps {
  csrfToken: string;
  /** The vendor's path segment (base64url client id). */
  vendorKey: string;
  vendorName: string;
  terms: VendorContactTermsView;
  events: ContactEventView[];
  /** The channels the vendor asked for, by grant id (`channelsAskedByGrant`). */
  askedByGrant: Record<string, ContactChannel[]>;
  /** Set right after a change, to confirm it. */
  saved?: boolean;
  /** Set when the form came back unreadable. */
  invalid?: boolean;
}

const reasonText: Record<ContactReason, string> = {
  allowed: 'Allowed',
  do_not_contact: 'Refused: you said do not contact',
  channel_not_allowed: 'Refused: not a way you allow',
  purpose_not_allowed: 'Refused: not what they asked to contact you about',
  marketing_refused: 'Refused: you said no marketing',
  weekly_limit_reached: 'Refused: weekly limit reached',
  quiet_hours: 'Refused: your quiet hours',
};

/** Access-log actions this section lists (from `contact_events`), so the vendor page's log leaves them out. */
export const CONTACT_ATTEMPT_ACTIONS = ['contact.checked', 'contact.recorded', 'contact.refused'];

/**
 * How this vendor may contact the owner, in plain words; a form to tighten
 * it; a one-click "do not contact" switch; and every check and contact.
 */
export function ContactSection(props: ContactSectionProps) {
  const { terms, vendorName } = props;
  const { effective, asked, override } = terms;
  const action = `/vendors/${props.vendorKey}`;
  return (
    <section class="card" id="contact" aria-labelledby="contact-title">
      <h2 id="contact-title">How they may contact you</h2>
      {props.saved && (
        <Notice kind="success" title="Saved">
          <p>
            The new terms apply from <VendorName name={vendorName} />
            ’s next attempt.
          </p>
        </Notice>
      )}
      {props.invalid && (
        <Notice kind="error" title="Not saved">
          <p>Check the number of contacts (0 to 100) and give quiet hours both a start and an end.</p>
        </Notice>
      )}
      <p data-kith="contact-summary">{summary(vendorName, terms)}</p>
      <form method="post" action={`${action}/do-not-contact`} class="card__actions">
        <CsrfField token={props.csrfToken} />
        {effective.doNotContact ? (
          <button type="submit" name="do_not_contact" value="off" class="button button--secondary">
            Allow contact again
          </button>
        ) : (
          <button type="submit" name="do_not_contact" value="on" class="button button--danger">
            Do not contact me
          </button>
        )}
      </form>
      {asked.channels.length > 0 && !effective.doNotContact && (
        <form method="post" action={`${action}/contact-terms`}>
          <CsrfField token={props.csrfToken} />
          <fieldset class="field">
            <legend class="field__label">Ways they may use</legend>
            <p class="field__hint">Only the ways they asked for; your profile’s choices still apply.</p>
            <div class="checks">
              {asked.channels.map((channel) => (
                <div class="check">
                  <input
                    type="checkbox"
                    id={`contact-channel-${channel}`}
                    name="channels"
                    value={channel}
                    checked={override.channels === null || override.channels.includes(channel)}
                  />
                  <label for={`contact-channel-${channel}`}>{channelLabel(channel)}</label>
                </div>
              ))}
            </div>
          </fieldset>
          {asked.purposes.includes('marketing') && (
            <fieldset class="field">
              <legend class="field__label">Offers and marketing</legend>
              <div class="check">
                <input
                  type="radio"
                  id="contact-marketing-yes"
                  name="marketing"
                  value="yes"
                  checked={effective.purposes.includes('marketing')}
                />
                <label for="contact-marketing-yes">Yes, they may send me offers</label>
              </div>
              <div class="check">
                <input
                  type="radio"
                  id="contact-marketing-no"
                  name="marketing"
                  value="no"
                  checked={!effective.purposes.includes('marketing')}
                />
                <label for="contact-marketing-no">No, service messages only</label>
              </div>
            </fieldset>
          )}
          <div class="field">
            <label class="field__label" for="contact-max">
              Contacts in any seven days
            </label>
            <p class="field__hint" id="contact-max-hint">
              At most; they asked for up to {asked.maxPerWeek}. 0 means never.
            </p>
            <input
              type="text"
              inputmode="numeric"
              id="contact-max"
              name="max_per_week"
              class="input--short"
              aria-describedby="contact-max-hint"
              value={String(override.maxPerWeek ?? effective.maxPerWeek)}
            />
          </div>
          <fieldset class="field">
            <legend class="field__label">Quiet hours for them</legend>
            <p class="field__hint">
              On top of your own quiet hours, in your time zone ({effective.timeZone}). Leave both empty for
              none.
            </p>
            <div class="field__parts field__parts--2">
              <QuietHoursBound bound="start" label="From" value={override.quietHours?.start} />
              <QuietHoursBound bound="end" label="Until" value={override.quietHours?.end} />
            </div>
          </fieldset>
          <div class="form-actions">
            <button type="submit" class="button button--primary">
              Save contact terms
            </button>
          </div>
        </form>
      )}
      <h3 id="contact-log-title">Every time they asked</h3>
      {props.events.length === 0 ? (
        <p>They have not asked to contact you.</p>
      ) : (
        <table class="log" data-kith="contact-log" aria-labelledby="contact-log-title">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">What</th>
              <th scope="col">How, and why</th>
              <th scope="col">Answer</th>
            </tr>
          </thead>
          <tbody>
            {props.events.map((event) => (
              <tr>
                <td>{formatMoment(Date.parse(event.at))}</td>
                <td>{event.kind === 'contact' ? 'Contact' : 'Asked whether they may'}</td>
                <td>
                  {channelLabel(event.channel)}, {event.purpose === 'marketing' ? 'marketing' : 'service'}
                </td>
                <td>{answerText(event, props.askedByGrant)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** One end of the quiet hours: a time input named `quiet_start` or `quiet_end`, empty when unset. */
function QuietHoursBound(props: { bound: 'start' | 'end'; label: string; value: string | undefined }) {
  const id = `contact-quiet-${props.bound}`;
  return (
    <div class="part">
      <label class="part__label" for={id}>
        {props.label}
      </label>
      <input
        type="time"
        id={id}
        name={`quiet_${props.bound}`}
        class="input--short"
        value={props.value ?? ''}
      />
    </div>
  );
}

/** The terms in force, as a sentence. */
function summary(vendorName: string, terms: VendorContactTermsView): string {
  const { effective } = terms;
  if (effective.doNotContact) return `You asked ${vendorName} not to contact you. Every attempt is refused.`;
  if (effective.channels.length === 0 || effective.maxPerWeek === 0 || effective.purposes.length === 0) {
    return `${vendorName} may not contact you.`;
  }
  const ways = channelList(effective.channels);
  const about = effective.purposes.includes('marketing') ? 'including offers' : 'for service messages only';
  const quiet = effective.quietHours.map((w) => `${w.start}–${w.end}`);
  return (
    `${vendorName} may contact you by ${ways}, at most ${timesWords(effective.maxPerWeek)} in any seven days, ${about}.` +
    (quiet.length > 0 ? ` Never during ${quiet.join(' or ')} (${effective.timeZone}).` : '')
  );
}

/**
 * The answer to one attempt. A channel refused because the vendor never asked
 * for it on that grant says so: the owner did not refuse anything there.
 */
function answerText(event: ContactEventView, askedByGrant: Record<string, ContactChannel[]>): string {
  const asked = askedByGrant[event.grantId] ?? [];
  if (event.reason === 'channel_not_allowed' && !asked.includes(event.channel)) {
    return 'Refused: not asked for on this grant';
  }
  return reasonText[event.reason];
}
