import { useId, type InputHTMLAttributes } from 'react';

export interface TextFieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'onChange' | 'value' | 'id'> {
  label: string;
  value: string;
  onChange: (value: string) => void;
  /** A line under the field saying what it expects. */
  hint?: string;
  /** Problems the server reported for this field. */
  errors?: string[];
  testId?: string;
}

/** A labelled input whose hint and errors are tied to it (aria-describedby, aria-invalid). */
export function TextField({ label, value, onChange, hint, errors = [], testId, ...input }: TextFieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint === undefined ? undefined : hintId, errors.length === 0 ? undefined : errorId].filter(Boolean).join(' ');
  return (
    <div className={errors.length > 0 ? 'field field-invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      <input
        {...input}
        id={id}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        aria-invalid={errors.length > 0 ? true : undefined}
        aria-describedby={describedBy === '' ? undefined : describedBy}
        data-testid={testId}
      />
      {hint !== undefined && (
        <div className="field-hint" id={hintId}>
          {hint}
        </div>
      )}
      {errors.length > 0 && (
        <div className="field-error" id={errorId}>
          {errors.join('; ')}
        </div>
      )}
    </div>
  );
}
