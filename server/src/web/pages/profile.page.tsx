import { type ProfileSectionId, profileFields, profileSections } from '@kith/schemas';
import { CsrfField } from '../csrf.tsx';
import { Layout, Notice } from '../layout.tsx';
import { type FormErrors, type FormValues, inputId } from '../profile-form.ts';
import { firstInputName, ProfileFieldControl } from './profile-field.tsx';

export interface ProfilePageProps {
  nonce: string;
  csrfToken: string;
  values: FormValues;
  /** Problems in the section just sent (`errorsIn`); nothing of it was saved. */
  errors?: FormErrors;
  errorsIn?: ProfileSectionId;
  /** The section just saved. */
  saved?: ProfileSectionId;
}

/** The anchor of a section's heading: a save comes back to it. */
export function sectionAnchor(id: ProfileSectionId): string {
  return `section-${id}`;
}

/**
 * The profile editor: every catalogue field, in the catalogue's sections,
 * each section a plain form with its own Save that works without
 * JavaScript, so a phone never scrolls the whole profile to save one
 * field. A section's errors are listed on top of it (each a link to its
 * control) and repeated beside the control they concern.
 */
export function ProfilePage(props: ProfilePageProps) {
  return (
    <Layout title="Your profile" nonce={props.nonce} csrfToken={props.csrfToken} signedIn current="profile">
      <h1>Your profile</h1>
      <p class="lede">
        Everything here is encrypted in your vault. Vendors see a field only when you grant it to them, for a
        purpose you approve. Leave anything blank that you would rather not keep here. Each section saves on
        its own.
      </p>
      {profileSections.map((section) => (
        <section class="card" aria-labelledby={sectionAnchor(section.id)} data-kith-section={section.id}>
          <h2 id={sectionAnchor(section.id)}>{section.label}</h2>
          <p class="card__intro">{section.description}</p>
          <form method="post" action={`/profile/${section.id}`} class="profile-form" novalidate>
            <CsrfField token={props.csrfToken} />
            {props.saved === section.id && <Notice kind="success" title={`${section.label}: saved.`} />}
            {props.errorsIn === section.id && (
              <ErrorSummary section={section.id} errors={props.errors ?? {}} />
            )}
            {profileFields
              .filter((f) => f.section === section.id)
              .map((f) => (
                <ProfileFieldControl
                  field={f}
                  values={props.values}
                  errors={props.errorsIn === section.id ? (props.errors ?? {}) : {}}
                />
              ))}
            <div class="form-actions">
              <button type="submit" class="button button--primary">
                Save {section.label.toLowerCase()}
              </button>
            </div>
          </form>
        </section>
      ))}
    </Layout>
  );
}

/** What stopped a section from saving, each problem a link to its control. */
function ErrorSummary(props: { section: ProfileSectionId; errors: FormErrors }) {
  const fields = profileFields.filter((f) => f.section === props.section && props.errors[f.path]?.length);
  if (fields.length === 0) return null;
  const titleId = `error-summary-${props.section}`;
  return (
    <div class="notice notice--error error-summary" role="alert" aria-labelledby={titleId} tabindex={-1}>
      <p class="notice__title" id={titleId}>
        Nothing in this section was saved. Please check{' '}
        {fields.length === 1 ? 'this field' : `these ${fields.length} fields`}:
      </p>
      <ul>
        {fields.map((f) => (
          <li>
            <a href={`#${inputId(firstInputName(f))}`}>
              {f.label}: {props.errors[f.path]?.[0]}
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}
