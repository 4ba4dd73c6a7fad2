import type { Failure } from './context.js';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (value: unknown) => String(value ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);

interface FieldOptions {
  type?: string;
  value?: string;
  required?: boolean;
  hint?: string;
  autocomplete?: string;
  inputmode?: string;
}

/**
 * Form controls with their label, hint and error tied together (aria-describedby, aria-invalid),
 * refilled with what the person typed when the form came back with errors (never passwords).
 */
export function formControls(failure: Failure | undefined) {
  const mine = (form: string) => failure?.form === form;
  const errorOf = (form: string, name: string) => {
    if (!failure || !mine(form)) return undefined;
    const entry = Object.entries(failure.fields).find(([key]) => key === name || key.startsWith(`${name}.`));
    return entry?.[1];
  };
  const typed = (form: string, name: string, fallback: string) => {
    const value = failure?.values[name];
    return mine(form) && typeof value === 'string' ? value : fallback;
  };
  const frame = (form: string, name: string, label: string, control: (attrs: string) => string, hint?: string) => {
    const id = `${form}-${name}`;
    const error = errorOf(form, name);
    const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
    const attrs = `id="${id}" name="${escapeHtml(name)}"${error ? ' aria-invalid="true"' : ''}${described ? ` aria-describedby="${described}"` : ''}`;
    return [
      `<div class="field${error ? ' has-error' : ''}">`,
      `<label for="${id}">${escapeHtml(label)}</label>`,
      hint ? `<p class="hint" id="${id}-hint">${escapeHtml(hint)}</p>` : '',
      control(attrs),
      error ? `<p class="field-error" id="${id}-error">${escapeHtml(label)} ${escapeHtml(error)}</p>` : '',
      '</div>',
    ].join('');
  };

  return {
    /** The message of a form that failed, for the top of that form. */
    formError: (form: string) =>
      mine(form) ? `<p class="error" role="alert">${escapeHtml(failure?.message)}</p>` : '',
    input(form: string, name: string, label: string, options: FieldOptions = {}) {
      const { type = 'text', value = '', required = false, autocomplete, inputmode } = options;
      const shown = type === 'password' ? '' : typed(form, name, value);
      return frame(
        form,
        name,
        label,
        (attrs) =>
          `<input ${attrs} type="${type}" value="${escapeHtml(shown)}"${required ? ' required' : ''}${autocomplete ? ` autocomplete="${autocomplete}"` : ''}${inputmode ? ` inputmode="${inputmode}"` : ''}>`,
        options.hint,
      );
    },
    textarea(form: string, name: string, label: string, options: FieldOptions = {}) {
      return frame(
        form,
        name,
        label,
        (attrs) => `<textarea ${attrs} rows="3">${escapeHtml(typed(form, name, options.value ?? ''))}</textarea>`,
        options.hint,
      );
    },
    select(form: string, name: string, label: string, choices: Array<[string, string]>, selected = '', hint?: string) {
      const current = typed(form, name, selected);
      const options = choices
        .map(
          ([value, text]) =>
            `<option value="${escapeHtml(value)}"${value === current ? ' selected' : ''}>${escapeHtml(text)}</option>`,
        )
        .join('');
      return frame(form, name, label, (attrs) => `<select ${attrs}>${options}</select>`, hint);
    },
  };
}
