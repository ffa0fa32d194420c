import { type FormEvent, useState } from 'react';
import {
  type CreatedStream,
  DATADOG_SITES,
  STREAM_DESTINATION_TYPES,
  STREAM_FORMAT_NAMES,
  STREAM_KINDS,
  type StreamDestinationType,
} from '../api/types.js';
import {
  CheckboxGroup,
  choices,
  FormActions,
  FormError,
  NameField,
  SelectField,
  TextField,
} from '../components/forms.js';
import { Dialog } from '../components/ui.js';
import { useFormAction, useTextFields } from '../lib/use-form-action.js';
import { useSession } from '../session.js';
import { DESTINATION_LABELS, FORMAT_LABELS } from './labels.js';

/** The text settings of every destination type; each type shows the ones it reads (SETTINGS). */
const EMPTY = {
  name: '',
  url: '',
  secret: '',
  bearer_token: '',
  token: '',
  index: '',
  sourcetype: '',
  host: '',
  port: '',
  api_key: '',
  service: '',
  tags: '',
  ca: '',
  bucket: '',
  region: '',
  endpoint: '',
  prefix: '',
  access_key_id: '',
  secret_access_key: '',
  actions: '',
};
type Setting = Exclude<keyof typeof EMPTY, 'name' | 'actions'>;

interface SettingField {
  name: Setting;
  label: string;
  hint?: string;
  required?: boolean;
  secret?: boolean;
}

const SETTINGS: Record<StreamDestinationType, SettingField[]> = {
  webhook: [
    { name: 'url', label: 'URL', required: true, hint: 'NDJSON batches are POSTed here' },
    {
      name: 'secret',
      label: 'Signing secret',
      secret: true,
      hint: 'whsec_…; leave empty and Trailmark makes one, shown once',
    },
    { name: 'bearer_token', label: 'Bearer token', secret: true, hint: 'Sent as Authorization: Bearer' },
  ],
  splunk_hec: [
    { name: 'url', label: 'HEC URL', required: true, hint: 'https://splunk.example.com:8088' },
    { name: 'token', label: 'HEC token', required: true, secret: true },
    { name: 'index', label: 'Index' },
    { name: 'sourcetype', label: 'Source type' },
    { name: 'host', label: 'Host field' },
  ],
  datadog: [
    { name: 'api_key', label: 'API key', required: true, secret: true },
    { name: 'service', label: 'Service' },
    { name: 'tags', label: 'Tags', hint: 'Comma-separated, e.g. env:prod,team:security' },
  ],
  syslog: [
    { name: 'host', label: 'Receiver host', required: true },
    { name: 'port', label: 'Port', required: true, hint: '6514 for TLS, 601 for TCP' },
    {
      name: 'ca',
      label: 'CA certificates (PEM)',
      hint: 'Only for a receiver whose certificate is not public',
    },
  ],
  s3: [
    { name: 'bucket', label: 'Bucket', required: true },
    { name: 'region', label: 'Region', required: true },
    { name: 'endpoint', label: 'Endpoint', hint: 'For S3-compatible storage; empty for Amazon S3' },
    { name: 'prefix', label: 'Key prefix' },
    { name: 'access_key_id', label: 'Access key ID', required: true },
    { name: 'secret_access_key', label: 'Secret access key', required: true, secret: true },
  ],
};

/** A new stream's form: its text settings empty, its selects on their defaults. */
const INITIAL = {
  ...EMPTY,
  type: 'webhook',
  site: DATADOG_SITES[0] as string,
  format: 'native',
  start_from: 'now',
};

/** Where in the log a new stream begins. */
const START_OPTIONS = [
  { value: 'now', label: 'New events from now on' },
  { value: 'beginning', label: 'The whole log, then new events' },
];

const list = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** Creates a stream; a generated webhook signing secret comes back once, in `onCreated`. */
export function StreamDialog({
  onClose,
  onCreated,
}: {
  onClose(): void;
  onCreated(stream: CreatedStream): void;
}) {
  const session = useSession();
  const create = useFormAction();
  const fields = useTextFields('stream', INITIAL, create.issues);
  const [tls, setTls] = useState(true);
  const [kinds, setKinds] = useState<(typeof STREAM_KINDS)[number][]>([...STREAM_KINDS]);
  const v = fields.values;
  // The type select offers only STREAM_DESTINATION_TYPES.
  const type = v.type as StreamDestinationType;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const destination: Record<string, unknown> = { type };
    for (const field of SETTINGS[type]) {
      const value = v[field.name].trim();
      if (!value) continue;
      if (field.name === 'port') destination.port = Number(value);
      else if (field.name === 'tags') destination.tags = list(value);
      else destination[field.name] = value;
    }
    if (type === 'datadog') destination.site = v.site;
    if (type === 'syslog') destination.tls = tls;
    const body = {
      name: v.name.trim(),
      format: v.format,
      destination,
      filter: { actions: list(v.actions), kinds: kinds.length === STREAM_KINDS.length ? [] : kinds },
      start_from: v.start_from,
    };
    void create.run(async () => {
      onCreated(await session.api.post<CreatedStream>('/v1/streams', body));
    });
  };

  return (
    <Dialog open title="Create a stream" onClose={onClose}>
      <form onSubmit={submit} className="stack" aria-label="New stream">
        <FormError error={create.formError} />
        <NameField {...fields.bind('name')} placeholder="e.g. SIEM" />
        <SelectField
          {...fields.bind('type')}
          label="Destination"
          options={choices(STREAM_DESTINATION_TYPES, DESTINATION_LABELS)}
        />
        {SETTINGS[type].map((field) => (
          <TextField
            key={`${type}-${field.name}`}
            {...fields.bind(field.name)}
            label={field.label}
            hint={field.hint}
            required={field.required}
            autoComplete={field.secret ? 'off' : undefined}
            type={field.name === 'port' ? 'number' : 'text'}
            multiline={field.name === 'ca'}
          />
        ))}
        {type === 'datadog' && (
          <SelectField {...fields.bind('site')} label="Datadog site" options={choices(DATADOG_SITES)} />
        )}
        {type === 'syslog' && (
          <div className="checkbox-field">
            <input id="stream-tls" type="checkbox" checked={tls} onChange={(e) => setTls(e.target.checked)} />
            <label htmlFor="stream-tls">Over TLS</label>
          </div>
        )}
        <SelectField
          {...fields.bind('format')}
          label="Format"
          options={choices(STREAM_FORMAT_NAMES, FORMAT_LABELS)}
        />
        <TextField
          {...fields.bind('actions')}
          label="Actions"
          hint="Comma-separated: an action, api_key.* or *.login_failed; empty for every action"
        />
        <CheckboxGroup
          legend="Kinds of event"
          idPrefix="stream-kind"
          options={STREAM_KINDS}
          selected={kinds}
          onChange={setKinds}
          labelOf={(kind) => (kind === 'audit' ? 'Audit events' : 'API requests')}
        />
        <SelectField {...fields.bind('start_from')} label="Start from" options={START_OPTIONS} />
        <FormActions
          action={create}
          label="Create stream"
          busyLabel="Creating…"
          disabled={!v.name.trim() || kinds.length === 0}
          onCancel={onClose}
        />
      </form>
    </Dialog>
  );
}
