import {
  type FieldUi,
  type FieldUiOption,
  type FieldUiPart,
  type ProfileField,
  profileFields,
  profileSections,
} from '@kith/schemas';
import { CsrfField } from '../csrf.tsx';
import { Layout, Notice } from '../layout.tsx';
import { type FormErrors, type FormValues, generatedOptions, inputId, partName } from '../profile-form.ts';

export interface ProfilePageProps {
  nonce: string;
  csrfToken: string;
  values: FormValues;
  errors?: FormErrors;
  saved?: boolean;
}

/**
 * The profile editor: every catalogue field, grouped by section, in one plain
 * form that works without JavaScript. Errors are listed on top (each a link
 * to its control) and repeated beside the control they concern.
 */
export function ProfilePage(props: ProfilePageProps) {
  const errors = props.errors ?? {};
  const fieldErrors = profileFields.filter((f) => errors[f.path]?.length);
  return (
    <Layout title="Your profile" nonce={props.nonce} csrfToken={props.csrfToken} signedIn current="profile">
      <h1>Your profile</h1>
      <p class="lede">
        Everything here is encrypted in your vault. Vendors see a field only when you grant it to them, for a
        purpose you approve. Leave anything blank that you would rather not keep here.
      </p>
      {props.saved && <Notice kind="success" title="Your profile is saved." />}
      {fieldErrors.length > 0 && (
        <div
          class="notice notice--error error-summary"
          role="alert"
          aria-labelledby="error-summary-title"
          tabindex={-1}
        >
          <p class="notice__title" id="error-summary-title">
            Nothing was saved. Please check{' '}
            {fieldErrors.length === 1 ? 'this field' : `these ${fieldErrors.length} fields`}:
          </p>
          <ul>
            {fieldErrors.map((f) => (
              <li>
                <a href={`#${inputId(firstInputName(f))}`}>
                  {f.label}: {errors[f.path]?.[0]}
                </a>
              </li>
            ))}
          </ul>
        </div>
      )}
      <form method="post" action="/profile" class="profile-form" novalidate>
        <CsrfField token={props.csrfToken} />
        {profileSections.map((section) => (
          <section class="card" aria-labelledby={`section-${section.id}`}>
            <h2 id={`section-${section.id}`}>{section.label}</h2>
            <p class="card__intro">{section.description}</p>
            {profileFields
              .filter((f) => f.section === section.id)
              .map((f) => (
                <FieldControl field={f} values={props.values} errors={errors} />
              ))}
          </section>
        ))}
        <div class="form-actions">
          <button type="submit" class="button button--primary">
            Save profile
          </button>
          <a class="button button--secondary" href="/profile">
            Discard changes
          </a>
        </div>
      </form>
    </Layout>
  );
}

function firstInputName(field: ProfileField): string {
  const ui: FieldUi = field.ui;
  if (ui.kind === 'group') return partName(field.path, ui.parts?.[0]?.name ?? '');
  if (ui.kind === 'checkboxes') return `${field.path}.0`;
  return field.path;
}

function FieldControl({
  field,
  values,
  errors,
}: {
  field: ProfileField;
  values: FormValues;
  errors: FormErrors;
}) {
  const ui: FieldUi = field.ui;
  const messages = errors[field.path] ?? [];
  const hintId = `${inputId(field.path)}-hint`;
  const errorId = `${inputId(field.path)}-error`;
  const describedBy = [hintId, messages.length ? errorId : ''].filter(Boolean).join(' ');
  const errorText = messages.length > 0 && (
    <p class="field__error" id={errorId}>
      <span class="visually-hidden">Error: </span>
      {messages.join(' ')}
    </p>
  );
  const hint = (
    <p class="field__hint" id={hintId}>
      {field.description}
      {field.sensitivity === 'sensitive' && <span class="badge badge--sensitive">Sensitive</span>}
    </p>
  );

  if (ui.kind === 'group' || ui.kind === 'checkboxes') {
    return (
      <fieldset
        class={`field field--${ui.kind}${messages.length ? ' field--invalid' : ''}`}
        aria-describedby={describedBy}
      >
        <legend class="field__label">{field.label}</legend>
        {hint}
        {errorText}
        {ui.kind === 'group' ? (
          <div class={`field__parts field__parts--${ui.parts?.length ?? 0}`}>
            {(ui.parts ?? []).map((part) => {
              const name = partName(field.path, part.name);
              const partErrors = errors[name] ?? [];
              return (
                <div class={`part${partErrors.length ? ' part--invalid' : ''}`}>
                  <label class="part__label" for={inputId(name)}>
                    {part.label}
                    {!part.required && <span class="optional"> (optional)</span>}
                  </label>
                  <Control ui={part} name={name} value={values[name]} invalid={partErrors.length > 0} />
                </div>
              );
            })}
          </div>
        ) : (
          <Checkboxes field={field} ui={ui} values={values} />
        )}
      </fieldset>
    );
  }

  if (ui.kind === 'checkbox') {
    return (
      <div class={`field field--checkbox${messages.length ? ' field--invalid' : ''}`}>
        <div class="check">
          <input
            type="checkbox"
            id={inputId(field.path)}
            name={field.path}
            checked={values[field.path] === 'on'}
            aria-describedby={describedBy}
          />
          <label for={inputId(field.path)}>{field.label}</label>
        </div>
        {hint}
        {errorText}
      </div>
    );
  }

  return (
    <div class={`field${messages.length ? ' field--invalid' : ''}`}>
      <label class="field__label" for={inputId(field.path)}>
        {field.label}
      </label>
      {hint}
      {errorText}
      <Control
        ui={ui}
        name={field.path}
        value={values[field.path]}
        invalid={messages.length > 0}
        describedBy={describedBy}
      />
    </div>
  );
}

function Control(props: {
  ui: FieldUi | FieldUiPart;
  name: string;
  value: string | string[] | undefined;
  invalid: boolean;
  describedBy?: string;
}) {
  const { ui, name } = props;
  const value = typeof props.value === 'string' ? props.value : '';
  const common = {
    id: inputId(name),
    name,
    'aria-invalid': props.invalid ? 'true' : undefined,
    'aria-describedby': props.describedBy,
    autocomplete: ui.autocomplete ?? 'off',
  };
  if (ui.kind === 'textarea') {
    return (
      <textarea {...common} rows={ui.rows ?? 3} maxlength={ui.maxLength}>
        {value}
      </textarea>
    );
  }
  if (ui.kind === 'select') {
    const options: readonly FieldUiOption[] = ui.optionsFrom
      ? generatedOptions[ui.optionsFrom]
      : (ui.options ?? []);
    return (
      <select {...common}>
        <option value="">Not set</option>
        {options.map((o) => (
          <option value={o.value} selected={o.value === value}>
            {o.label}
          </option>
        ))}
      </select>
    );
  }
  // Numbers are typed as text: browsers disagree on what they send for "7,5" in a number input.
  const type = ui.kind === 'number' ? 'text' : ui.kind;
  return (
    <input
      {...common}
      type={type}
      value={value}
      inputmode={ui.inputMode ?? (ui.kind === 'number' ? 'decimal' : undefined)}
      placeholder={ui.placeholder}
      maxlength={ui.maxLength}
      min={ui.kind === 'date' ? ui.min : undefined}
      max={ui.kind === 'date' ? ui.max : undefined}
      class={ui.kind === 'number' || ui.kind === 'time' || ui.kind === 'date' ? 'input--short' : undefined}
    />
  );
}

function Checkboxes({ field, ui, values }: { field: ProfileField; ui: FieldUi; values: FormValues }) {
  const ticked = new Set(Array.isArray(values[field.path]) ? (values[field.path] as string[]) : []);
  const otherName = `${field.path}.other`;
  return (
    <div class="checks">
      {(ui.options ?? []).map((o, i) => (
        <div class="check">
          <input
            type="checkbox"
            id={inputId(`${field.path}.${i}`)}
            name={field.path}
            value={o.value}
            checked={ticked.has(o.value)}
          />
          <label for={inputId(`${field.path}.${i}`)}>{o.label}</label>
        </div>
      ))}
      {ui.allowOther && (
        <div class="part part--other">
          <label class="part__label" for={inputId(otherName)}>
            Anything else <span class="optional">(separate with commas)</span>
          </label>
          <input
            type="text"
            id={inputId(otherName)}
            name={otherName}
            value={(values[otherName] as string) ?? ''}
          />
        </div>
      )}
    </div>
  );
}
