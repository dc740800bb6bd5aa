import type { ReactNode } from 'react';
import { ErrorNotice } from './ErrorNotice.js';
import { Modal } from './Modal.js';

export interface ConfirmDialogProps {
  title: string;
  message: ReactNode;
  confirmLabel?: string;
  /** Styles the confirm button as destructive; focus then starts on Cancel. */
  danger?: boolean;
  /** The confirmed action is running: buttons are disabled. */
  busy?: boolean;
  /** What the confirmed action failed with, shown inside the dialog. */
  error?: unknown;
  onConfirm: () => void;
  onCancel: () => void;
}

/** "Are you sure?" with `confirm-ok` and `confirm-cancel` buttons. */
export function ConfirmDialog({ title, message, confirmLabel = 'Confirm', danger = false, busy = false, error, onConfirm, onCancel }: ConfirmDialogProps) {
  return (
    <Modal title={title} onClose={onCancel} busy={busy} testId="confirm-dialog">
      <div className="modal-body">{message}</div>
      {error !== undefined && error !== null && <ErrorNotice error={error} />}
      <div className="modal-actions">
        <button type="button" className="button" onClick={onCancel} disabled={busy} data-testid="confirm-cancel" {...(danger ? { 'data-autofocus': true } : {})}>
          Cancel
        </button>
        <button
          type="button"
          className={danger ? 'button button-danger' : 'button button-primary'}
          onClick={onConfirm}
          disabled={busy}
          aria-busy={busy}
          data-testid="confirm-ok"
          {...(danger ? {} : { 'data-autofocus': true })}
        >
          {busy ? 'Working…' : confirmLabel}
        </button>
      </div>
    </Modal>
  );
}
