import type { ChangeEventHandler, InputHTMLAttributes, ReactNode } from 'react';
import { errorMessage } from '../api/client.js';
import { type FormAction, useFormAction } from '../lib/use-form-action.js';
import { Dialog, Notice } from './ui.js';

/** Form building blocks; each form's busy state and errors come from useFormAction. */

/** A form's error in the form itself; a field's issue shows beside the field instead. */
export function FormError({
  error,
  className,
  describe = errorMessage,
}: {
  error: unknown;
  className?: string;
  /** The words for a person; by default the problem's detail and field issues. */
  describe?: (error: unknown) => string;
}) {
  if (error === null || error === undefined) return null;
  return (
    <Notice tone="error" className={className}>
      {describe(error)}
    </Notice>
  );
}

/** The attributes that tie a field's control to its hint and its issue, for screen readers. */
function describedControl(id: string, hint: ReactNode, issue: string | undefined) {
  return {
    id,
    'aria-invalid': issue ? true : undefined,
    'aria-describedby': [hint && `${id}-hint`, issue && `${id}-error`].filter(Boolean).join(' ') || undefined,
  };
}

/** A field's label above its control, and its hint and its issue below. */
function Field({
  id,
  label,
  hint,
  issue,
  className,
  children,
}: {
  id: string;
  label: ReactNode;
  hint: ReactNode;
  issue: string | undefined;
  className: string;
  children: ReactNode;
}) {
  return (
    <div className={className}>
      <label htmlFor={id}>{label}</label>
      {children}
      {hint && (
        <span id={`${id}-hint`} className="field-hint">
          {hint}
        </span>
      )}
      {issue && (
        <span id={`${id}-error`} className="field-error">
          {issue}
        </span>
      )}
    </div>
  );
}

type TextFieldProps = InputHTMLAttributes<HTMLInputElement> & {
  id: string;
  label: ReactNode;
  issue?: string | undefined;
  hint?: ReactNode;
  /** A text area, for text whose line breaks matter (PEM certificates). */
  multiline?: boolean;
};

/** A labelled input with its hint and its issue, both tied to it for screen readers. */
export function TextField({
  id,
  label,
  issue,
  hint,
  className = 'field',
  multiline = false,
  ...input
}: TextFieldProps) {
  const described = describedControl(id, hint, issue);
  return (
    <Field id={id} label={label} hint={hint} issue={issue} className={className}>
      {multiline ? (
        <textarea
          {...described}
          name={input.name}
          value={input.value}
          required={input.required}
          rows={4}
          onChange={input.onChange as unknown as ChangeEventHandler<HTMLTextAreaElement>}
        />
      ) : (
        <input {...described} {...input} />
      )}
    </Field>
  );
}

/** The Name of what a dialog creates or edits: required, at most 200 characters. */
export function NameField(props: Omit<TextFieldProps, 'label'>) {
  return <TextField {...props} label="Name" required maxLength={200} />;
}

/** A whole number, with the numeric keypad on touch screens. */
export function NumberField(props: Omit<TextFieldProps, 'type'>) {
  return <TextField type="number" inputMode="numeric" {...props} />;
}

/** A SelectField's options: each value, named by `labels` or else shown as it is. */
export function choices<T extends string>(values: readonly T[], labels?: Record<T, string>) {
  return values.map((value) => ({ value, label: labels ? labels[value] : value }));
}

/** A labelled list to pick one of; bound like a TextField (`{...fields.bind('role')}`). */
export function SelectField({
  id,
  label,
  name,
  value,
  options,
  onChange,
  issue,
  hint,
}: {
  id: string;
  label: string;
  name: string;
  value: string;
  options: readonly { value: string; label: string }[];
  onChange: ChangeEventHandler<HTMLSelectElement>;
  issue?: string | undefined;
  hint?: ReactNode;
}) {
  return (
    <Field id={id} label={label} hint={hint} issue={issue} className="field">
      <select {...describedControl(id, hint, issue)} name={name} value={value} onChange={onChange}>
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </Field>
  );
}

/** Checkboxes choosing a subset of `options` (scopes, permissions). */
export function CheckboxGroup<T extends string>({
  legend,
  idPrefix,
  name,
  options,
  selected,
  onChange,
  labelOf,
  issue,
}: {
  legend: string;
  idPrefix: string;
  /** Sent with a native form submit; omitted when the form never is. */
  name?: string;
  options: readonly T[];
  selected: readonly T[];
  onChange(selected: T[]): void;
  labelOf(option: T): ReactNode;
  issue?: string | undefined;
}) {
  return (
    <fieldset className="field">
      <legend className="field-label">{legend}</legend>
      {options.map((option) => (
        <div key={option} className="checkbox-field">
          <input
            id={`${idPrefix}-${option}`}
            type="checkbox"
            name={name}
            value={name ? option : undefined}
            checked={selected.includes(option)}
            onChange={(e) =>
              onChange(e.target.checked ? [...selected, option] : selected.filter((x) => x !== option))
            }
          />
          <label htmlFor={`${idPrefix}-${option}`}>{labelOf(option)}</label>
        </div>
      ))}
      {issue && <span className="field-error">{issue}</span>}
    </fieldset>
  );
}

/** A form's submit button, saying what it is doing while busy; Cancel beside it when given. */
export function FormActions({
  action,
  label,
  busyLabel,
  disabled = false,
  onCancel,
}: {
  action: FormAction;
  label: string;
  busyLabel: string;
  disabled?: boolean;
  onCancel?: () => void;
}) {
  return (
    <div className="form-actions">
      <button type="submit" className="button button-primary" disabled={action.busy || disabled}>
        {action.busy ? busyLabel : label}
      </button>
      {onCancel && (
        <button type="button" className="button button-ghost" onClick={onCancel}>
          Cancel
        </button>
      )}
    </div>
  );
}

/** What a ConfirmDialog asks, and the change it makes once confirmed. */
export interface Confirmation {
  title: string;
  /** The confirming button's words, and (`busyAction`) what it says while the change runs. */
  action: string;
  busyAction?: string;
  body: ReactNode;
  run(): Promise<void>;
}

/**
 * Asks before something that cannot be undone (removing a member, revoking a key). The dialog
 * stays open while the change runs and shows why it failed; `run` closes it on success.
 */
export function ConfirmDialog({
  confirmation,
  onClose,
}: {
  confirmation: Confirmation | null;
  onClose(): void;
}) {
  const confirm = useFormAction();
  return (
    <Dialog
      open={confirmation !== null}
      title={confirmation?.title ?? ''}
      onClose={() => {
        confirm.reset();
        onClose();
      }}
      footer={
        confirmation && (
          <>
            <button
              type="button"
              className="button button-danger"
              onClick={() => confirm.run(confirmation.run)}
              disabled={confirm.busy}
            >
              {confirm.busy ? (confirmation.busyAction ?? confirmation.action) : confirmation.action}
            </button>
            <button type="button" className="button button-ghost" onClick={onClose}>
              Cancel
            </button>
          </>
        )
      }
    >
      <div className="stack">
        {confirmation?.body}
        <FormError error={confirm.error} />
      </div>
    </Dialog>
  );
}
