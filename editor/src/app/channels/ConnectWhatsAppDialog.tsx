import { useId, useState, type FormEvent } from 'react';
import { useCreateChannel, useDeployments, type ChannelCreateBody, type ChannelView, type ConnectionKind } from '../../api/index.js';
import { ErrorNotice, fieldErrors } from '../components/ErrorNotice.js';
import { QueryStatus } from '../components/ListParts.js';
import { Modal } from '../components/Modal.js';
import { TextField } from '../components/TextField.js';
import { BanRiskNotice } from './BanRiskNotice.js';
import { KIND_LABEL } from './channel-status.js';
import { WebhookSetup } from './WebhookSetup.js';

interface CloudFields {
  phoneNumberId: string;
  verifyToken: string;
  appSecret: string;
  accessToken: string;
  graphBaseUrl: string;
}

const EMPTY_CLOUD: CloudFields = { phoneNumberId: '', verifyToken: '', appSecret: '', accessToken: '', graphBaseUrl: '' };

/** Pointers the form shows next to their fields; others go in the notice under the form. */
const FIELD_POINTERS = ['/name', '/deploymentId', ...Object.keys(EMPTY_CLOUD).map((k) => `/config/${k}`)];

/** A random verify token for Meta's webhook handshake (the person pastes it into Meta too). */
function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Why an optional Graph API address is unusable, or undefined when it is fine (empty means Meta's). */
export function graphBaseUrlProblem(value: string): string | undefined {
  if (value.trim() === '') return undefined;
  try {
    const url = new URL(value.trim());
    return url.protocol === 'https:' || url.protocol === 'http:' ? undefined : 'must start with https:// (or http:// for a local test server)';
  } catch {
    return 'is not a web address; e.g. https://graph.facebook.com/v21.0, or leave it empty';
  }
}

function Checkbox({ label, hint, checked, onChange, testId }: { label: string; hint: string; checked: boolean; onChange: (checked: boolean) => void; testId: string }) {
  const id = useId();
  return (
    <div className="check-field">
      <input id={id} type="checkbox" checked={checked} onChange={(event) => onChange(event.target.checked)} aria-describedby={`${id}-hint`} data-testid={testId} />
      <label htmlFor={id}>{label}</label>
      <div className="field-hint" id={`${id}-hint`}>
        {hint}
      </div>
    </div>
  );
}

/**
 * "Connect WhatsApp": pick a deployment and how to reach WhatsApp. WhatsApp Web pairs by QR code
 * (shown on the page once it starts); the Cloud API takes the Meta app's credentials, and the
 * dialog then shows the webhook address to paste into Meta.
 */
export function ConnectWhatsAppDialog({ ws, onClose }: { ws: string; onClose: () => void }) {
  const deployments = useDeployments(ws);
  const create = useCreateChannel(ws);
  const [deploymentId, setDeploymentId] = useState('');
  const [name, setName] = useState('WhatsApp');
  const [kind, setKind] = useState<ConnectionKind>('whatsapp');
  const [ignoreGroups, setIgnoreGroups] = useState(true);
  const [ignoreOwn, setIgnoreOwn] = useState(true);
  const [cloud, setCloud] = useState<CloudFields>(EMPTY_CLOUD);
  const [created, setCreated] = useState<ChannelView | undefined>(undefined);
  const deploymentSelectId = useId();

  const list = deployments.data ?? [];
  const chosenDeployment = deploymentId !== '' ? deploymentId : (list[0]?.id ?? '');
  const graphProblem = graphBaseUrlProblem(cloud.graphBaseUrl);
  const cloudComplete = cloud.phoneNumberId.trim() !== '' && cloud.verifyToken.trim() !== '' && cloud.appSecret !== '' && cloud.accessToken !== '' && graphProblem === undefined;
  const ready = chosenDeployment !== '' && name.trim() !== '' && (kind === 'whatsapp' || cloudComplete);
  const setField = (field: keyof CloudFields) => (value: string) => setCloud((current) => ({ ...current, [field]: value }));
  const errorsAt = (pointer: string) => fieldErrors(create.error, pointer);
  const deploymentErrors = errorsAt('/deploymentId');

  if (created !== undefined) {
    return (
      <Modal title={`${created.name} is connected`} onClose={onClose} testId="channel-create-dialog">
        <WebhookSetup connection={created} verifyToken={cloud.verifyToken.trim()} />
        <div className="modal-actions">
          <button type="button" className="button button-primary" onClick={onClose} data-testid="channel-create-done" data-autofocus>
            Done
          </button>
        </div>
      </Modal>
    );
  }

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!ready || create.isPending) return;
    const body: ChannelCreateBody =
      kind === 'whatsapp'
        ? { deploymentId: chosenDeployment, kind, name: name.trim(), config: { ignoreGroups, ignoreOwn } }
        : {
            deploymentId: chosenDeployment,
            kind,
            name: name.trim(),
            config: {
              phoneNumberId: cloud.phoneNumberId.trim(),
              verifyToken: cloud.verifyToken.trim(),
              appSecret: cloud.appSecret,
              accessToken: cloud.accessToken,
              ...(cloud.graphBaseUrl.trim() === '' ? {} : { graphBaseUrl: cloud.graphBaseUrl.trim() }),
            },
          };
    create.mutate(body, {
      onSuccess: (view) => {
        // WhatsApp Web continues on the page (its QR code); the Cloud API needs its webhook set up in Meta first.
        if (view.kind === 'whatsapp-cloud') setCreated(view);
        else onClose();
      },
    });
  };

  return (
    <Modal title="Connect WhatsApp" onClose={onClose} busy={create.isPending} testId="channel-create-dialog">
      <form onSubmit={submit} className="channel-form">
        <div className={deploymentErrors.length > 0 ? 'field field-invalid' : 'field'}>
          <label htmlFor={deploymentSelectId}>Deployment</label>
          <select id={deploymentSelectId} value={chosenDeployment} onChange={(event) => setDeploymentId(event.target.value)} disabled={list.length === 0} data-testid="channel-create-deployment">
            {list.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name} ({d.key})
              </option>
            ))}
          </select>
          <div className="field-hint">The deployed flow that answers this number.</div>
          {deploymentErrors.length > 0 && <div className="field-error">{deploymentErrors.join('; ')}</div>}
        </div>
        <QueryStatus query={deployments} loading="Loading deployments…" errorTitle="The deployments could not be loaded" />
        {deployments.data !== undefined && list.length === 0 && (
          <p className="notice" data-testid="channel-create-no-deployment">
            Nothing is deployed yet. Open a flow, publish a version and deploy it (Versions panel), then connect WhatsApp to that deployment.
          </p>
        )}
        <TextField label="Name" required maxLength={120} value={name} onChange={setName} hint="For you: which number or line this is." errors={errorsAt('/name')} testId="channel-create-name" data-autofocus />

        <fieldset className="kind-choice">
          <legend>How to reach WhatsApp</legend>
          {(['whatsapp', 'whatsapp-cloud'] as const).map((option) => (
            <label key={option} className={kind === option ? 'kind-option kind-option-selected' : 'kind-option'}>
              <input type="radio" name="channel-kind" value={option} checked={kind === option} onChange={() => setKind(option)} data-testid={`channel-create-kind-${option}`} />
              <span>
                <strong>{option === 'whatsapp' ? `${KIND_LABEL.whatsapp} (QR pairing)` : KIND_LABEL['whatsapp-cloud']}</strong>
                <span className="field-hint">
                  {option === 'whatsapp'
                    ? 'Link an existing WhatsApp number by scanning a QR code with its phone. Quick to try; unofficial.'
                    : "Meta's official API for businesses: a phone number of a Meta app, messages through webhooks."}
                </span>
              </span>
            </label>
          ))}
        </fieldset>

        {kind === 'whatsapp' ? (
          <>
            <BanRiskNotice />
            <Checkbox label="Ignore group messages" hint="Answer only one-to-one chats (recommended)." checked={ignoreGroups} onChange={setIgnoreGroups} testId="channel-create-ignore-groups" />
            <Checkbox
              label="Ignore messages this account sends itself"
              hint="Messages typed on the phone are not treated as a contact writing in (recommended)."
              checked={ignoreOwn}
              onChange={setIgnoreOwn}
              testId="channel-create-ignore-own"
            />
          </>
        ) : (
          <>
            <TextField label="Phone number id" required value={cloud.phoneNumberId} onChange={setField('phoneNumberId')} hint="Meta app → WhatsApp → API Setup: the id of the sending number (not the number itself)." errors={errorsAt('/config/phoneNumberId')} testId="channel-create-phone-number-id" />
            <div className="field-with-action">
              <TextField label="Verify token" required value={cloud.verifyToken} onChange={setField('verifyToken')} hint="Any secret word; paste the same into Meta's webhook settings." errors={errorsAt('/config/verifyToken')} testId="channel-create-verify-token" />
              <button type="button" className="button button-small" onClick={() => setField('verifyToken')(randomToken())} data-testid="channel-create-verify-token-generate">
                Generate
              </button>
            </div>
            <TextField label="App secret" required type="password" autoComplete="off" value={cloud.appSecret} onChange={setField('appSecret')} hint="Meta app → Settings → Basic; signs every webhook, which is checked." errors={errorsAt('/config/appSecret')} testId="channel-create-app-secret" />
            <TextField label="Access token" required type="password" autoComplete="off" value={cloud.accessToken} onChange={setField('accessToken')} hint="A permanent (system user) token with whatsapp_business_messaging." errors={errorsAt('/config/accessToken')} testId="channel-create-access-token" />
            <TextField
              label="Graph API address (optional)"
              value={cloud.graphBaseUrl}
              onChange={setField('graphBaseUrl')}
              hint="Leave empty for Meta's Graph API."
              errors={[...(graphProblem === undefined ? [] : [`The address ${graphProblem}`]), ...errorsAt('/config/graphBaseUrl')]}
              testId="channel-create-graph-base-url"
            />
          </>
        )}

        {create.error !== null && <ErrorNotice error={create.error} title="WhatsApp was not connected" hidePointers={FIELD_POINTERS} testId="channel-create-error" />}
        <div className="modal-actions">
          <button type="button" className="button" onClick={onClose} disabled={create.isPending}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={!ready || create.isPending} data-testid="channel-create-submit">
            {create.isPending ? 'Connecting…' : 'Connect'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
