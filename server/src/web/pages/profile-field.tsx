import type { FieldUi, FieldUiOption, FieldUiPart, ProfileField } from '@kith/schemas';
import { type FormErrors, type FormValues, generatedOptions, inputId, partName } from '../profile-form.ts';

/** The input an error summary links to for a field: its first control. */
export function firstInputName(field: ProfileField): string {
  const ui: FieldUi = field.ui;
  if (ui.kind === 'group') return partName(field.path, ui.parts?.[0]?.name ?? '');
  if (ui.kind === 'checkboxes') return `${field.path}.0`;
  return field.path;
}

/**
 * One catalogue field as a form control: its label, hint (and a Sensitive
 * badge), the error beside it, and the control its `ui` asks for — a fieldset
 * for grouped parts and checkbox lists.
 */
export function ProfileFieldControl({
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
