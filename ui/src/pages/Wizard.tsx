/**
 * The create-job wizard, in the S3 console's steps: (1) the objects — a CSV manifest (one made in
 * the bucket browser comes filled in), an Inventory manifest, or a manifest generated from a bucket
 * with every filter; (2) the operation, one form each; (3) the options; (4) the review: the request
 * as `aws s3control create-job --cli-input-json` takes it, sent as is to the server, whose S3
 * Control API validates it and answers in its own words. `?clone=<job id>` starts from a job.
 */
import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useId, useState, type ReactNode } from 'react';
import type { JobDetailView } from '../../../src/dashboard/api-types.js';
import { api } from '../api.js';
import { Link, useRouter } from '../router.js';

type Json = Record<string, unknown>;

const OPERATIONS = {
  S3PutObjectTagging: 'Replace all object tags',
  S3DeleteObjectTagging: 'Delete all object tags',
  S3PutObjectCopy: 'Copy',
  LambdaInvoke: 'Invoke AWS Lambda function',
  S3PutObjectAcl: 'Replace access control list (ACL)',
  S3InitiateRestoreObject: 'Restore',
  S3PutObjectRetention: 'Object Lock retention',
  S3PutObjectLegalHold: 'Object Lock legal hold',
  S3ReplicateObject: 'Replicate',
  S3ComputeObjectChecksum: 'Compute checksums',
  S3UpdateObjectEncryption: 'Update server-side encryption',
} as const;
type Operation = keyof typeof OPERATIONS;

const DEFAULT_PARAMS: Record<Operation, Json> = {
  S3PutObjectTagging: { TagSet: [] },
  S3DeleteObjectTagging: {},
  S3PutObjectCopy: { TargetResource: '' },
  LambdaInvoke: { FunctionArn: '', InvocationSchemaVersion: '2.0' },
  S3PutObjectAcl: { AccessControlPolicy: { CannedAccessControlList: 'private' } },
  S3InitiateRestoreObject: { ExpirationInDays: 1, GlacierJobTier: 'STANDARD' },
  S3PutObjectRetention: { Retention: { Mode: 'GOVERNANCE', RetainUntilDate: '' } },
  S3PutObjectLegalHold: { LegalHold: { Status: 'ON' } },
  S3ReplicateObject: {},
  S3ComputeObjectChecksum: { ChecksumAlgorithm: 'CRC64NVME', ChecksumType: 'FULL_OBJECT' },
  S3UpdateObjectEncryption: { ObjectEncryption: { SSEKMS: { KMSKeyArn: '' } } },
};

interface State {
  source: 'csv' | 'inventory' | 'generate';
  manifestArn: string;
  manifestEtag: string;
  versioned: boolean;
  inventoryArn: string;
  inventoryEtag: string;
  generator: Json;
  operation: Operation;
  params: Json;
  description: string;
  priority: string;
  reportOn: boolean;
  reportBucket: string;
  reportPrefix: string;
  reportScope: 'AllTasks' | 'FailedTasksOnly';
  tags: { Key: string; Value: string }[];
  confirmation: boolean;
  roleArn: string;
}

const STEPS = ['Choose objects', 'Choose operation', 'Configure options', 'Review'] as const;

function initial(search: URLSearchParams): State {
  return {
    source: 'csv',
    manifestArn: search.get('manifest') ?? '',
    manifestEtag: search.get('etag') ?? '',
    versioned: false,
    inventoryArn: '',
    inventoryEtag: '',
    generator: { SourceBucket: '', EnableManifestOutput: false, Filter: {} },
    operation: 'S3PutObjectTagging',
    params: DEFAULT_PARAMS.S3PutObjectTagging,
    description: '',
    priority: '10',
    reportOn: false,
    reportBucket: '',
    reportPrefix: '',
    reportScope: 'AllTasks',
    tags: [],
    confirmation: false,
    roleArn: '',
  };
}

/** A job's request, back into the wizard's fields (for Clone). */
function fromJob(j: JobDetailView, base: State): State {
  const manifest = (j.manifest ?? undefined) as { Spec?: { Format?: string; Fields?: string[] }; Location?: { ObjectArn?: string; ETag?: string } } | undefined;
  const generator = (j.manifestGenerator as { S3JobManifestGenerator?: Json } | null)?.S3JobManifestGenerator;
  const report = j.report as { Enabled?: boolean; Bucket?: string; Prefix?: string; ReportScope?: 'AllTasks' | 'FailedTasksOnly' };
  const inventory = manifest?.Spec?.Format === 'S3InventoryReport_CSV_20161130';
  const operation = (j.operation in OPERATIONS ? j.operation : 'S3PutObjectTagging') as Operation;
  return {
    ...base,
    source: generator ? 'generate' : inventory ? 'inventory' : 'csv',
    manifestArn: !inventory ? (manifest?.Location?.ObjectArn ?? '') : '',
    manifestEtag: !inventory ? (manifest?.Location?.ETag ?? '') : '',
    versioned: manifest?.Spec?.Fields?.includes('VersionId') ?? false,
    inventoryArn: inventory ? (manifest?.Location?.ObjectArn ?? '') : '',
    inventoryEtag: inventory ? (manifest?.Location?.ETag ?? '') : '',
    generator: generator ?? base.generator,
    operation,
    params: (j.operationParameters as Json | null) ?? DEFAULT_PARAMS[operation],
    description: j.description,
    priority: String(j.requestedPriority),
    reportOn: report.Enabled ?? false,
    reportBucket: report.Bucket ?? '',
    reportPrefix: report.Prefix ?? '',
    reportScope: report.ReportScope ?? 'AllTasks',
    tags: j.tags.map((t) => ({ Key: t.Key, Value: t.Value })),
    confirmation: j.confirmationRequired,
    roleArn: j.roleArn,
  };
}

/** The CreateJob request, as the AWS CLI's --cli-input-json takes it (AccountId is the session's). */
function request(s: State): Json {
  const priority = /^-?\d+$/.test(s.priority.trim()) ? Number(s.priority) : s.priority;
  const objects =
    s.source === 'generate'
      ? { ManifestGenerator: { S3JobManifestGenerator: s.generator } }
      : {
          Manifest: {
            Spec:
              s.source === 'csv'
                ? { Format: 'S3BatchOperations_CSV_20180820', Fields: s.versioned ? ['Bucket', 'Key', 'VersionId'] : ['Bucket', 'Key'] }
                : { Format: 'S3InventoryReport_CSV_20161130' },
            Location: s.source === 'csv' ? { ObjectArn: s.manifestArn, ETag: s.manifestEtag } : { ObjectArn: s.inventoryArn, ETag: s.inventoryEtag },
          },
        };
  return {
    ConfirmationRequired: s.confirmation,
    Operation: { [s.operation]: s.params },
    ...objects,
    Report: s.reportOn
      ? { Enabled: true, Bucket: s.reportBucket, Format: 'Report_CSV_20180820', ...(s.reportPrefix !== '' ? { Prefix: s.reportPrefix } : {}), ReportScope: s.reportScope }
      : { Enabled: false },
    Priority: priority,
    ...(s.roleArn !== '' ? { RoleArn: s.roleArn } : {}),
    ...(s.description !== '' ? { Description: s.description } : {}),
    ...(s.tags.length > 0 ? { Tags: s.tags } : {}),
  };
}

// Fields of a nested JSON value, read and written by path.
function getAt(value: Json, path: readonly string[]): unknown {
  let v: unknown = value;
  for (const p of path) v = typeof v === 'object' && v !== null ? (v as Json)[p] : undefined;
  return v;
}
function setAt(value: Json, path: readonly string[], to: unknown): Json {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  const copy = { ...value };
  if (rest.length === 0) {
    if (to === undefined || to === '') delete copy[head];
    else copy[head] = to;
  } else copy[head] = setAt(((value[head] as Json | undefined) ?? {}) as Json, rest, to);
  return copy;
}

interface FieldProps {
  readonly value: Json;
  readonly onChange: (next: Json) => void;
  readonly path: readonly string[];
  readonly label: string;
  readonly hint?: string;
}

function TextField({ value, onChange, path, label, hint, kind = 'text' }: FieldProps & { kind?: 'text' | 'number' | 'datetime' }) {
  const v = getAt(value, path);
  return (
    <label>
      {label}
      <input
        type={kind === 'number' ? 'number' : 'text'}
        value={v === undefined || v === null ? '' : String(v)}
        placeholder={kind === 'datetime' ? '2030-01-01T00:00:00Z' : undefined}
        spellCheck={false}
        onChange={(e) => {
          const text = e.currentTarget.value;
          onChange(setAt(value, path, kind === 'number' && text !== '' && !Number.isNaN(Number(text)) ? Number(text) : text));
        }}
      />
      {hint !== undefined && <small>{hint}</small>}
    </label>
  );
}

function SelectField({ value, onChange, path, label, options }: FieldProps & { options: readonly string[] }) {
  const v = getAt(value, path);
  // (Labelled by id, not by wrapping: a wrapping label's name would include the chosen option.)
  const id = useId();
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <select id={id} value={v === undefined ? '' : String(v)} onChange={(e) => onChange(setAt(value, path, e.currentTarget.value))}>
        <option value="">(not set)</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </>
  );
}

function CheckField({ value, onChange, path, label }: FieldProps) {
  return (
    <label>
      <input type="checkbox" checked={getAt(value, path) === true} onChange={(e) => onChange(setAt(value, path, e.currentTarget.checked ? true : undefined))} />
      {label}
    </label>
  );
}

const pairsText = (pairs: readonly { Key: string; Value: string }[]): string => pairs.map((p) => `${p.Key}=${p.Value}`).join('\n');
const textPairs = (text: string): { Key: string; Value: string }[] =>
  text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const eq = l.indexOf('=');
      return eq < 0 ? { Key: l, Value: '' } : { Key: l.slice(0, eq), Value: l.slice(eq + 1) };
    });

/** key=value lines: a list of {Key, Value} or (asMap) an object. */
function PairsField({ value, onChange, path, label, asMap = false }: FieldProps & { asMap?: boolean }) {
  const v = getAt(value, path);
  const pairs = asMap ? Object.entries((v ?? {}) as Record<string, string>).map(([Key, Value]) => ({ Key, Value })) : ((v ?? []) as { Key: string; Value: string }[]);
  const [text, setText] = useState(pairsText(pairs));
  return (
    <label>
      {label}
      <textarea
        rows={3}
        value={text}
        spellCheck={false}
        placeholder="key=value, one a line"
        onChange={(e) => {
          setText(e.currentTarget.value);
          const next = textPairs(e.currentTarget.value);
          onChange(setAt(value, path, asMap ? (next.length === 0 ? undefined : Object.fromEntries(next.map((p) => [p.Key, p.Value]))) : next));
        }}
      />
    </label>
  );
}

const STORAGE_CLASSES = ['STANDARD', 'STANDARD_IA', 'ONEZONE_IA', 'GLACIER', 'GLACIER_IR', 'DEEP_ARCHIVE', 'INTELLIGENT_TIERING'];

function OperationForm({ operation, params, onChange }: { operation: Operation; params: Json; onChange: (p: Json) => void }) {
  const f = { value: params, onChange };
  switch (operation) {
    case 'S3PutObjectTagging':
      return <PairsField {...f} path={['TagSet']} label="Tags (they replace the object's tags)" />;
    case 'S3DeleteObjectTagging':
    case 'S3ReplicateObject':
      return <p>This operation takes no parameters.</p>;
    case 'S3PutObjectCopy':
      return (
        <>
          <TextField {...f} path={['TargetResource']} label="Destination bucket ARN" hint="arn:aws:s3:::bucket" />
          <TextField {...f} path={['TargetKeyPrefix']} label="Destination key prefix" />
          <SelectField {...f} path={['StorageClass']} label="Storage class" options={STORAGE_CLASSES} />
          <SelectField {...f} path={['MetadataDirective']} label="Metadata" options={['COPY', 'REPLACE']} />
          <SelectField {...f} path={['CannedAccessControlList']} label="Canned ACL" options={['private', 'public-read', 'bucket-owner-full-control']} />
          <CheckField {...f} path={['BucketKeyEnabled']} label="S3 Bucket Key" />
        </>
      );
    case 'LambdaInvoke':
      return (
        <>
          <TextField {...f} path={['FunctionArn']} label="Function ARN" hint="arn:aws:lambda:region:account:function:name" />
          <SelectField {...f} path={['InvocationSchemaVersion']} label="Invocation schema version" options={['1.0', '2.0']} />
          <PairsField {...f} path={['UserArguments']} label="User arguments (schema 2.0)" asMap />
        </>
      );
    case 'S3PutObjectAcl':
      return (
        <SelectField
          {...f}
          path={['AccessControlPolicy', 'CannedAccessControlList']}
          label="Canned ACL"
          options={['private', 'public-read', 'public-read-write', 'aws-exec-read', 'authenticated-read', 'bucket-owner-read', 'bucket-owner-full-control']}
        />
      );
    case 'S3InitiateRestoreObject':
      return (
        <>
          <TextField {...f} path={['ExpirationInDays']} label="Days the restored copy stays" kind="number" />
          <SelectField {...f} path={['GlacierJobTier']} label="Retrieval tier" options={['BULK', 'STANDARD']} />
        </>
      );
    case 'S3PutObjectRetention':
      return (
        <>
          <SelectField {...f} path={['Retention', 'Mode']} label="Retention mode" options={['GOVERNANCE', 'COMPLIANCE']} />
          <TextField {...f} path={['Retention', 'RetainUntilDate']} label="Retain until" kind="datetime" />
          <CheckField {...f} path={['BypassGovernanceRetention']} label="Bypass governance retention" />
        </>
      );
    case 'S3PutObjectLegalHold':
      return <SelectField {...f} path={['LegalHold', 'Status']} label="Legal hold" options={['ON', 'OFF']} />;
    case 'S3ComputeObjectChecksum':
      return (
        <>
          <SelectField {...f} path={['ChecksumAlgorithm']} label="Checksum algorithm" options={['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256', 'MD5']} />
          <SelectField {...f} path={['ChecksumType']} label="Checksum type" options={['FULL_OBJECT', 'COMPOSITE']} />
        </>
      );
    case 'S3UpdateObjectEncryption':
      return (
        <>
          <TextField {...f} path={['ObjectEncryption', 'SSEKMS', 'KMSKeyArn']} label="KMS key ARN" />
          <CheckField {...f} path={['ObjectEncryption', 'SSEKMS', 'BucketKeyEnabled']} label="S3 Bucket Key" />
        </>
      );
  }
}

function GeneratorForm({ generator, onChange }: { generator: Json; onChange: (g: Json) => void }) {
  const f = { value: generator, onChange };
  const list = (path: string[], label: string) => {
    const v = (getAt(generator, path) as string[] | undefined) ?? [];
    return (
      <label>
        {label}
        <input
          value={v.join(',')}
          spellCheck={false}
          placeholder="comma-separated"
          onChange={(e) => {
            const items = e.currentTarget.value.split(',').map((x) => x.trim());
            onChange(setAt(generator, path, items.every((x) => x === '') ? undefined : items));
          }}
        />
      </label>
    );
  };
  return (
    <>
      <TextField {...f} path={['SourceBucket']} label="Source bucket ARN" hint="arn:aws:s3:::bucket" />
      <fieldset>
        <legend>Filters (all optional)</legend>
        {list(['Filter', 'KeyNameConstraint', 'MatchAnyPrefix'], 'Key prefixes')}
        {list(['Filter', 'KeyNameConstraint', 'MatchAnySuffix'], 'Key suffixes')}
        {list(['Filter', 'KeyNameConstraint', 'MatchAnySubstring'], 'Key substrings')}
        <TextField {...f} path={['Filter', 'CreatedAfter']} label="Created after" kind="datetime" />
        <TextField {...f} path={['Filter', 'CreatedBefore']} label="Created before" kind="datetime" />
        <TextField {...f} path={['Filter', 'ObjectSizeGreaterThanBytes']} label="Size greater than (bytes)" kind="number" />
        <TextField {...f} path={['Filter', 'ObjectSizeLessThanBytes']} label="Size less than (bytes)" kind="number" />
        {list(['Filter', 'MatchAnyStorageClass'], 'Storage classes')}
        {list(['Filter', 'ObjectReplicationStatuses'], 'Replication statuses')}
        <CheckField {...f} path={['Filter', 'EligibleForReplication']} label="Only objects eligible for replication" />
      </fieldset>
      <CheckField {...f} path={['EnableManifestOutput']} label="Save the generated manifest" />
      {getAt(generator, ['EnableManifestOutput']) === true && (
        <>
          <TextField {...f} path={['ManifestOutputLocation', 'Bucket']} label="Manifest output bucket ARN" />
          <TextField {...f} path={['ManifestOutputLocation', 'ManifestPrefix']} label="Manifest output prefix" />
          <SelectField {...f} path={['ManifestOutputLocation', 'ManifestFormat']} label="Manifest format" options={['S3InventoryReport_CSV_20211130']} />
        </>
      )}
    </>
  );
}

export function Wizard() {
  const { location, navigate } = useRouter();
  const cloneOf = location.search.get('clone') ?? undefined;
  const [state, setState] = useState<State>(() => initial(location.search));
  const [step, setStep] = useState(0);
  const set = (patch: Partial<State>): void => setState((s) => ({ ...s, ...patch }));
  const source = useQuery({
    queryKey: ['job', cloneOf ?? ''],
    enabled: cloneOf !== undefined,
    queryFn: async () => (await api<{ job: JobDetailView }>('GET', `jobs/${encodeURIComponent(cloneOf ?? '')}`)).job,
  });
  const [cloned, setCloned] = useState<string | undefined>();
  useEffect(() => {
    if (source.data && cloned !== source.data.id) {
      setState((s) => fromJob(source.data, s));
      setCloned(source.data.id);
    }
  }, [source.data, cloned]);
  const create = useMutation({
    mutationFn: () => api<{ jobId: string }>('POST', 'jobs', request(state)),
    onSuccess: ({ jobId }) => navigate(`jobs/${encodeURIComponent(jobId)}`),
  });

  let body: ReactNode;
  if (step === 0) {
    body = (
      <>
        <fieldset>
          <legend>Where the list of objects comes from</legend>
          {(
            [
              ['csv', 'CSV manifest'],
              ['inventory', 'S3 Inventory report (manifest.json)'],
              ['generate', 'Generate from a bucket, with filters'],
            ] as const
          ).map(([v, l]) => (
            <label key={v}>
              <input type="radio" name="source" checked={state.source === v} onChange={() => set({ source: v })} />
              {l}
            </label>
          ))}
        </fieldset>
        {state.source === 'csv' && (
          <>
            <label>
              Manifest object ARN
              <input value={state.manifestArn} spellCheck={false} placeholder="arn:aws:s3:::bucket/manifest.csv" onChange={(e) => set({ manifestArn: e.currentTarget.value })} />
              <small>
                Pick objects in the <Link to="buckets">bucket browser</Link> and make a manifest from them to fill this in.
              </small>
            </label>
            <label>
              Manifest ETag
              <input value={state.manifestEtag} spellCheck={false} onChange={(e) => set({ manifestEtag: e.currentTarget.value })} />
            </label>
            <label>
              <input type="checkbox" checked={state.versioned} onChange={(e) => set({ versioned: e.currentTarget.checked })} />
              The manifest has a version ID column
            </label>
          </>
        )}
        {state.source === 'inventory' && (
          <>
            <label>
              manifest.json object ARN
              <input value={state.inventoryArn} spellCheck={false} onChange={(e) => set({ inventoryArn: e.currentTarget.value })} />
            </label>
            <label>
              manifest.json ETag
              <input value={state.inventoryEtag} spellCheck={false} onChange={(e) => set({ inventoryEtag: e.currentTarget.value })} />
            </label>
          </>
        )}
        {state.source === 'generate' && <GeneratorForm generator={state.generator} onChange={(g) => set({ generator: g })} />}
      </>
    );
  } else if (step === 1) {
    body = (
      <>
        <label htmlFor="wizard-operation">Operation</label>
        <select
            id="wizard-operation"
            value={state.operation}
            onChange={(e) => {
              const operation = e.currentTarget.value as Operation;
              set({ operation, params: DEFAULT_PARAMS[operation] });
            }}
          >
            {Object.entries(OPERATIONS).map(([k, v]) => (
              <option key={k} value={k}>
                {v} ({k})
              </option>
            ))}
          </select>
        <OperationForm key={state.operation} operation={state.operation} params={state.params} onChange={(params) => set({ params })} />
      </>
    );
  } else if (step === 2) {
    body = (
      <>
        <label>
          Description
          <input value={state.description} onChange={(e) => set({ description: e.currentTarget.value })} />
        </label>
        <label>
          Priority
          <input type="number" value={state.priority} onChange={(e) => set({ priority: e.currentTarget.value })} />
        </label>
        <label>
          <input type="checkbox" checked={state.confirmation} onChange={(e) => set({ confirmation: e.currentTarget.checked })} />
          Require confirmation before the job runs
        </label>
        <fieldset>
          <legend>Completion report</legend>
          <label>
            <input type="checkbox" checked={state.reportOn} onChange={(e) => set({ reportOn: e.currentTarget.checked })} />
            Write a completion report
          </label>
          {state.reportOn && (
            <>
              <label>
                Report bucket ARN
                <input value={state.reportBucket} spellCheck={false} placeholder="arn:aws:s3:::bucket" onChange={(e) => set({ reportBucket: e.currentTarget.value })} />
              </label>
              <label>
                Report prefix
                <input value={state.reportPrefix} spellCheck={false} onChange={(e) => set({ reportPrefix: e.currentTarget.value })} />
              </label>
              <label>
                Report scope
                <select value={state.reportScope} onChange={(e) => set({ reportScope: e.currentTarget.value as State['reportScope'] })}>
                  <option value="AllTasks">All tasks</option>
                  <option value="FailedTasksOnly">Failed tasks only</option>
                </select>
              </label>
            </>
          )}
        </fieldset>
        <PairsField value={{ tags: state.tags }} onChange={(v) => set({ tags: (v.tags as State['tags'] | undefined) ?? [] })} path={['tags']} label="Job tags" />
      </>
    );
  } else {
    body = (
      <>
        <p>
          The request, as <code>aws s3control create-job --account-id ACCOUNT --cli-input-json file://job.json</code> takes it:
        </p>
        <pre className="request" data-testid="request-json">
          {JSON.stringify(request(state), null, 2)}
        </pre>
      </>
    );
  }

  return (
    <section aria-labelledby="wizard-title" className="wizard">
      <h1 id="wizard-title">Create job{cloneOf !== undefined ? ` (a clone of ${cloneOf})` : ''}</h1>
      {source.isError && <p role="alert">{source.error.message}</p>}
      <ol className="steps">
        {STEPS.map((s, i) => (
          <li key={s} aria-current={i === step ? 'step' : undefined}>
            <button type="button" className={i === step ? '' : 'secondary outline'} onClick={() => setStep(i)}>
              {i + 1}. {s}
            </button>
          </li>
        ))}
      </ol>
      <form onSubmit={(e) => e.preventDefault()} aria-labelledby="step-title">
        <h2 id="step-title">
          Step {step + 1}: {STEPS[step]}
        </h2>
        {body}
        {create.isError && (
          <p role="alert" className="error">
            {create.error.message}
          </p>
        )}
        <div className="wizard-buttons">
          {step > 0 && (
            <button type="button" className="secondary" onClick={() => setStep(step - 1)}>
              Previous
            </button>
          )}{' '}
          {step < STEPS.length - 1 ? (
            <button type="button" onClick={() => setStep(step + 1)}>
              Next
            </button>
          ) : (
            <button type="button" aria-busy={create.isPending} disabled={create.isPending} onClick={() => create.mutate()}>
              Create job
            </button>
          )}
        </div>
      </form>
    </section>
  );
}
