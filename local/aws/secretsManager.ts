import { randomInt } from 'node:crypto';
import { AwsApiError, type Operation, type ServiceContext, type ServiceEmulation } from './types.js';
import {
  createConstraintError,
  readBoolean,
  readBoundedObjectList,
  readBoundedStringList,
  readEnum,
  readInteger,
  readString,
  requireString,
} from './requestFields.js';
import { readTags, readVersionId, requireSecretId, requireSecretName, type Tag } from './secretsManagerInput.js';
import { matchesFilters, readFilters, type SecretFilter } from './secretsManagerFilters.js';
import { describeRules, nextRotationDate, readRotationRules, type RotationRules } from './secretsManagerSchedule.js';
import { generateRandomPassword } from './secretsManagerPassword.js';
import { apiCallEvent, labelUpdatedEvent, rotationEvent } from './secretsManagerEvents.js';

const AWSCURRENT = 'AWSCURRENT';
const AWSPENDING = 'AWSPENDING';
const AWSPREVIOUS = 'AWSPREVIOUS';
const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
/** The labels whose moves Secrets Manager announces with no "Secret Label Updated" event, as AWS documents. */
const UNANNOUNCED_LABELS: readonly string[] = [AWSPENDING, AWSPREVIOUS];
type RotationStep = (typeof ROTATION_STEPS)[number];

/** One version of a secret as the emulation exposes it: never its value. */
export interface SecretVersionInfo {
  versionId: string;
  stages: string[];
  /** False for a version RotateSecret created and no PutSecretValue has filled yet. */
  hasValue: boolean;
  createdDate: Date;
}

/** A secret another AWS service creates and manages (see {@link SecretsManagerEmulation.createManagedSecret}). */
export interface ManagedSecretSpec {
  /** As the service names it: its prefix and `!`, e.g. `rds!db-<uuid>`. */
  name: string;
  /** The service's id, answered as OwningService and tagged `aws:secretsmanager:owningService` (`rds`). */
  owningService: string;
  secretString: string;
  description?: string;
  /** A KMS key id, key ARN or alias known to the endpoint; the AWS managed key when absent. */
  kmsKeyId?: string;
  /** Tags the service sets (RDS: `aws:rds:primaryDBInstanceArn`), before the owning-service tag. */
  tags?: Tag[];
  /** The service's managed rotation schedule, shown by DescribeSecret (RotationEnabled, no Lambda ARN). */
  rotationRules?: RotationRules;
}

/**
 * Secrets Manager (AWS JSON 1.1, target prefix `secretsmanager`): secrets with versions and
 * staging labels, tags, scheduled deletion, filters and pagination, GetRandomPassword, and
 * Lambda rotation driven the way Secrets Manager drives it (createSecret, setSecret,
 * testSecret, finishSecret in the background). Mutating calls and rotation outcomes are
 * published on the endpoint's bus as the CloudTrail events EventBridge delivers, and every
 * move of a staging label other than AWSPENDING and AWSPREVIOUS from one version to another as
 * a "Secret Label Updated" event (after the call's CloudTrail event), once per label moved; a
 * label's first attachment (CreateSecret's AWSCURRENT among them) is not announced.
 */
export interface SecretsManagerEmulation extends ServiceEmulation {
  /**
   * The versions of a secret (name, full or partial ARN), oldest first, without values —
   * including versions with no staging label, which DescribeSecret leaves out.
   * @throws ResourceNotFoundException for an unknown secret.
   */
  versionsOf(secretId: string): SecretVersionInfo[];
  /**
   * Creates a secret as another AWS service creates one it manages (RDS's master user secret):
   * one AWSCURRENT version holding `secretString`, the service's tags plus
   * `aws:secretsmanager:owningService`, and OwningService in DescribeSecret and ListSecrets.
   * Like AWS, the endpoint then refuses PutSecretValue and value-changing UpdateSecret calls on
   * it ("managed by another service"). No API call happens, so no event is published (neither
   * CloudTrail's nor "Secret Label Updated"): the secret is seeded as if it already existed.
   * @throws Error when a secret of that name exists; EncryptionFailure for an unknown KMS key.
   */
  createManagedSecret(spec: ManagedSecretSpec): { arn: string; name: string; versionId: string };
}

interface StoredVersion {
  id: string;
  secretString?: string;
  /** Base64, as the JSON protocol carries blobs. */
  secretBinary?: string;
  stages: string[];
  createdDate: Date;
  lastAccessedDate?: Date;
}

interface RotationSettings {
  enabled: boolean;
  lambdaArn?: string;
  rules?: RotationRules;
  lastRotatedDate?: Date;
  nextRotationDate?: Date;
}

interface RotationRun {
  token: string;
  cancelled: boolean;
}

interface StoredSecret {
  arn: string;
  name: string;
  description?: string;
  kmsKeyId?: string;
  tags: Tag[];
  versions: Map<string, StoredVersion>;
  createdDate: Date;
  lastChangedDate: Date;
  lastAccessedDate?: Date;
  /** Present once RotateSecret has configured rotation (DescribeSecret shows rotation fields from then on). */
  rotation?: RotationSettings;
  /** When a DeleteSecret with a recovery window will purge the secret. */
  deletionDate?: Date;
  /** The rotation running in the background, if any. */
  run?: RotationRun;
  /** The AWS service that manages the secret (`rds`), for a secret it created. */
  owningService?: string;
}

interface SecretValue {
  secretString?: string;
  secretBinary?: string;
}

const MAX_VALUE_BYTES = 65_536;
/** Secrets Manager keeps at most 100 versions; the oldest unlabelled ones go first. */
const MAX_VERSIONS = 100;
const DAY_MS = 86_400_000;
const DEFAULT_KMS_ALIAS = 'alias/aws/secretsmanager';

const secretNotFound = () => new AwsApiError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
const invalidRequest = (message: string) => new AwsApiError('InvalidRequestException', message);
const invalidParameter = (message: string) => new AwsApiError('InvalidParameterException', message);
const markedForDeletion = () =>
  invalidRequest("You can't perform this operation on the secret because it was marked for deletion.");
const rotationInProgress = () => invalidRequest("A previous rotation isn't complete. That rotation will be reattempted.");
/** AWS's documented cause: "The secret is managed by another service, and you must use that service to update it." */
const managedByAnotherService = (secret: { name: string; owningService?: string }) =>
  invalidRequest(`The secret ${secret.name} is managed by ${secret.owningService}, and you must use that service to update it.`);

const OWNING_SERVICE_TAG = 'aws:secretsmanager:owningService';

const ARN_PATTERN = /^arn:aws[a-z-]*:secretsmanager:([^:]+):(\d{12}):secret:(.+)$/;
const ARN_SUFFIX = /-[a-zA-Z0-9]{6}$/;
const SUFFIX_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

const isDefaultKmsKey = (keyId: string) => keyId === DEFAULT_KMS_ALIAS || keyId.endsWith(`:${DEFAULT_KMS_ALIAS}`);
const hasValue = (v: StoredVersion) => v.secretString !== undefined || v.secretBinary !== undefined;
const startOfDay = (d: Date) => new Date(Math.floor(d.getTime() / DAY_MS) * DAY_MS);

/** Creates the Secrets Manager emulation on the endpoint's context (clock, bus, Lambda invoker, background work). */
export function createSecretsManager(ctx: ServiceContext): SecretsManagerEmulation {
  const secrets = new Map<string, StoredSecret>();

  // ---------------------------------------------------------------------------------------
  // Lookup

  const purgeExpired = () => {
    const now = ctx.now();
    for (const [name, s] of secrets) if (s.deletionDate && s.deletionDate <= now) secrets.delete(name);
  };

  /** A secret by name, full ARN or partial ARN (the ARN without its random suffix). */
  const findSecret = (secretId: string): StoredSecret | undefined => {
    purgeExpired();
    const byName = secrets.get(secretId);
    if (byName) return byName;
    const arn = ARN_PATTERN.exec(secretId);
    if (!arn || arn[1] !== ctx.region || arn[2] !== ctx.accountId) return undefined;
    const tail = arn[3]!;
    for (const s of secrets.values()) if (s.arn === secretId) return s;
    // A tail ending in "-" and six characters reads as a complete ARN, as AWS warns: no partial match then.
    if (ARN_SUFFIX.test(tail)) return undefined;
    return secrets.get(tail);
  };

  const requireSecret = (secretId: string, options: { allowDeleted?: boolean } = {}): StoredSecret => {
    const secret = findSecret(secretId);
    if (!secret) throw secretNotFound();
    if (secret.deletionDate && !options.allowDeleted) throw markedForDeletion();
    return secret;
  };

  const holderOf = (secret: StoredSecret, stage: string): StoredVersion | undefined => {
    for (const v of secret.versions.values()) if (v.stages.includes(stage)) return v;
    return undefined;
  };

  const valueNotFound = (selector: string) =>
    new AwsApiError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for ${selector}`);

  /**
   * The version GetSecretValue reads: by id and/or stage (AWSCURRENT by default), which must
   * agree, and which must hold a value (a version RotateSecret created has none until
   * createSecret stores one).
   */
  const selectValue = (secret: StoredSecret, versionId: string | undefined, stage: string | undefined): StoredVersion => {
    let v: StoredVersion | undefined;
    let selector: string;
    if (versionId !== undefined) {
      selector = `VersionId: ${versionId}`;
      v = secret.versions.get(versionId);
      if (v && stage !== undefined && !v.stages.includes(stage)) {
        throw invalidRequest('You provided a VersionStage that is not associated to the provided VersionId.');
      }
    } else {
      const label = stage ?? AWSCURRENT;
      selector = `staging label: ${label}`;
      v = holderOf(secret, label);
    }
    if (!v || !hasValue(v)) throw valueNotFound(selector);
    return v;
  };

  // ---------------------------------------------------------------------------------------
  // Versions and stages

  const removeStage = (v: StoredVersion, stage: string) => {
    v.stages = v.stages.filter((s) => s !== stage);
  };

  /**
   * Attaches a stage to `target`, taking it from its holder; moving AWSCURRENT leaves
   * AWSPREVIOUS on the old one. Answers `moved` when another version held the stage,
   * `attached` when none did, `unchanged` when `target` already held it.
   */
  const attachStage = (secret: StoredSecret, stage: string, target: StoredVersion): 'moved' | 'attached' | 'unchanged' => {
    const holder = holderOf(secret, stage);
    if (holder === target) return 'unchanged';
    if (holder) removeStage(holder, stage);
    target.stages.push(stage);
    if (stage === AWSCURRENT && holder) {
      for (const v of secret.versions.values()) removeStage(v, AWSPREVIOUS);
      holder.stages.push(AWSPREVIOUS);
    }
    return holder ? 'moved' : 'attached';
  };

  /**
   * "Secret Label Updated" for each of `labels` that moved to `version`. AWS sends it "when a
   * staging label moves to a new version": a label's first attachment (a new secret's
   * AWSCURRENT, a custom label no version had) moves nothing, so it is not announced.
   */
  const publishLabelMoves = (secret: StoredSecret, labels: readonly string[], version: StoredVersion) => {
    for (const label of labels) {
      if (!UNANNOUNCED_LABELS.includes(label)) ctx.publish(labelUpdatedEvent(ctx, secret, label, version.id));
    }
  };

  const addVersion = (secret: StoredSecret, id: string, value: SecretValue | undefined): StoredVersion => {
    const version: StoredVersion = { id, stages: [], createdDate: ctx.now(), ...value };
    secret.versions.set(id, version);
    if (secret.versions.size > MAX_VERSIONS) {
      const unlabelled = [...secret.versions.values()].find((v) => v.stages.length === 0 && v !== version);
      if (unlabelled) secret.versions.delete(unlabelled.id);
    }
    return version;
  };

  const sameValue = (v: StoredVersion, value: SecretValue) =>
    v.secretString === value.secretString && v.secretBinary === value.secretBinary;

  /** DescribeSecret's VersionIdsToStages: versions with no label are deprecated and left out. */
  const stagesByVersion = (secret: StoredSecret): Record<string, string[]> => {
    const out: Record<string, string[]> = {};
    for (const v of secret.versions.values()) if (v.stages.length > 0) out[v.id] = [...v.stages];
    return out;
  };

  // ---------------------------------------------------------------------------------------
  // Input pieces shared by operations

  const readValue = (input: Record<string, unknown>): SecretValue | undefined => {
    const secretString = readString(input, 'SecretString', { max: MAX_VALUE_BYTES, bytes: true, sensitive: true });
    const secretBinary = readString(input, 'SecretBinary', { sensitive: true });
    if (secretString !== undefined && secretBinary !== undefined) {
      throw invalidParameter("You can't specify both a binary secret value and a string secret value in the same secret.");
    }
    if (secretBinary !== undefined && Buffer.from(secretBinary, 'base64').length > MAX_VALUE_BYTES) {
      throw createConstraintError('SecretBinary', `Member must have length less than or equal to ${MAX_VALUE_BYTES}`);
    }
    if (secretString !== undefined) return { secretString };
    if (secretBinary !== undefined) return { secretBinary };
    return undefined;
  };

  /** The KMS key a value is encrypted under must exist (the AWS managed key always does). */
  const checkKmsKey = (kmsKeyId: string | undefined) => {
    if (kmsKeyId === undefined || isDefaultKmsKey(kmsKeyId)) return;
    if (!ctx.resolveKmsKey(kmsKeyId)) {
      throw new AwsApiError('EncryptionFailure', `Secrets Manager can't encrypt the secret value: Key '${kmsKeyId}' does not exist`);
    }
  };

  const publishCall = (eventName: string, request: Record<string, unknown>, response: Record<string, unknown> | null) =>
    ctx.publish(apiCallEvent(ctx, eventName, request, response));

  const newArn = (name: string) => {
    let suffix = '';
    for (let i = 0; i < 6; i++) suffix += SUFFIX_CHARS.charAt(randomInt(SUFFIX_CHARS.length));
    return `arn:aws:secretsmanager:${ctx.region}:${ctx.accountId}:secret:${name}-${suffix}`;
  };

  // ---------------------------------------------------------------------------------------
  // Output shapes

  const describe = (secret: StoredSecret, listEntry: boolean) => {
    const r = secret.rotation;
    return {
      ARN: secret.arn,
      Name: secret.name,
      Description: secret.description,
      KmsKeyId: secret.kmsKeyId,
      ...(r
        ? {
            RotationEnabled: r.enabled,
            RotationLambdaARN: r.lambdaArn,
            RotationRules: r.rules ? describeRules(r.rules) : undefined,
            LastRotatedDate: r.lastRotatedDate,
            NextRotationDate: r.enabled ? r.nextRotationDate : undefined,
          }
        : {}),
      LastChangedDate: secret.lastChangedDate,
      LastAccessedDate: secret.lastAccessedDate,
      DeletedDate: secret.deletionDate,
      Tags: secret.tags.length > 0 ? secret.tags.map((t) => ({ ...t })) : undefined,
      [listEntry ? 'SecretVersionsToStages' : 'VersionIdsToStages']: stagesByVersion(secret),
      OwningService: secret.owningService,
      CreatedDate: secret.createdDate,
    };
  };

  /** GetSecretValue's answer; records the access (Secrets Manager keeps it to the day). */
  const readVersion = (secret: StoredSecret, version: StoredVersion) => {
    const today = startOfDay(ctx.now());
    secret.lastAccessedDate = today;
    version.lastAccessedDate = today;
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.id,
      SecretString: version.secretString,
      SecretBinary: version.secretBinary,
      VersionStages: [...version.stages],
      CreatedDate: version.createdDate,
    };
  };

  // ---------------------------------------------------------------------------------------
  // Pagination: an opaque token holding the offset into a stable ordering.

  const readPage = (input: Record<string, unknown>, maxResults: number, defaultMax: number) => {
    const raw = readString(input, 'NextToken', { min: 1, max: 4096 });
    let offset = 0;
    if (raw !== undefined) {
      const m = /^o(\d+)$/.exec(Buffer.from(raw, 'base64url').toString('utf8'));
      if (!m) throw new AwsApiError('InvalidNextTokenException', 'The NextToken value is invalid.');
      offset = Number(m[1]);
    }
    return { offset, limit: maxResults || defaultMax };
  };

  const pageOf = <T>(items: T[], page: { offset: number; limit: number }) => {
    const end = page.offset + page.limit;
    return {
      items: items.slice(page.offset, end),
      nextToken: end < items.length ? Buffer.from(`o${end}`, 'utf8').toString('base64url') : undefined,
    };
  };

  const listed = (filters: readonly SecretFilter[], includeDeleted: boolean) => {
    purgeExpired();
    return [...secrets.values()].filter((s) => (includeDeleted || !s.deletionDate) && matchesFilters(s, filters));
  };

  // ---------------------------------------------------------------------------------------
  // Rotation

  /** Invokes the rotation function for each step in order, stopping at the first that throws or at a cancel. */
  const invokeSteps = async (
    secret: StoredSecret,
    lambdaArn: string,
    run: RotationRun,
    steps: readonly RotationStep[],
  ): Promise<'succeeded' | 'cancelled' | { failed: RotationStep }> => {
    const rotationToken = crypto.randomUUID();
    for (const step of steps) {
      if (run.cancelled) return 'cancelled';
      try {
        await ctx.invoke(lambdaArn, { SecretId: secret.arn, ClientRequestToken: run.token, Step: step, RotationToken: rotationToken });
      } catch {
        return { failed: step };
      }
    }
    return 'succeeded';
  };
  // AWS's wording of a failed step in the service event (its documented RotationFailed example).
  const stepFailure = (lambdaArn: string, step: RotationStep) => `Error when executing lambda ${lambdaArn} during ${step} step`;

  const startRotation = (secret: StoredSecret, lambdaArn: string, token: string, immediately: boolean, testVersion?: StoredVersion) => {
    const run: RotationRun = { token, cancelled: false };
    secret.run = run;
    ctx.background(`secretsmanager rotation of ${secret.arn} (${token})`, async () => {
      try {
        if (!immediately) {
          // Without an immediate rotation AWS only checks the configuration with testSecret,
          // on an AWSPENDING version it removes afterwards.
          ctx.publish(rotationEvent(ctx, 'TestRotationStarted', secret.arn));
          const tested = await invokeSteps(secret, lambdaArn, run, ['testSecret']);
          if (testVersion) removeStage(testVersion, AWSPENDING);
          if (tested === 'succeeded') ctx.publish(rotationEvent(ctx, 'TestRotationSucceeded', secret.arn));
          else if (tested !== 'cancelled') ctx.publish(rotationEvent(ctx, 'TestRotationFailed', secret.arn, stepFailure(lambdaArn, tested.failed)));
          return;
        }
        ctx.publish(rotationEvent(ctx, 'RotationStarted', secret.arn));
        const outcome = await invokeSteps(secret, lambdaArn, run, ROTATION_STEPS);
        if (outcome === 'succeeded') {
          const now = ctx.now();
          if (secret.rotation) {
            secret.rotation.lastRotatedDate = now;
            secret.rotation.nextRotationDate = nextRotationDate(secret.rotation.rules, now);
          }
          secret.lastChangedDate = now;
          ctx.publish(rotationEvent(ctx, 'RotationSucceeded', secret.arn));
        } else if (outcome !== 'cancelled') {
          ctx.publish(rotationEvent(ctx, 'RotationFailed', secret.arn, stepFailure(lambdaArn, outcome.failed)));
        }
      } finally {
        if (secret.run === run) delete secret.run;
      }
    });
  };

  // ---------------------------------------------------------------------------------------
  // Operations

  const operations: Record<string, Operation> = {
    CreateSecret(input) {
      const name = requireSecretName(input);
      const token = readVersionId(input, 'ClientRequestToken');
      const value = readValue(input);
      const description = readString(input, 'Description', { max: 2048 });
      const kmsKeyId = readString(input, 'KmsKeyId', { max: 2048 });
      const tags = readTags(input) ?? [];
      readBoolean(input, 'ForceOverwriteReplicaSecret');
      if ((readBoundedObjectList(input, 'AddReplicaRegions', 0, 100) ?? []).length > 0) {
        throw invalidRequest('The local endpoint has a single region: it does not replicate secrets.');
      }
      purgeExpired();
      const existing = secrets.get(name);
      if (existing) {
        if (existing.deletionDate) {
          throw invalidRequest("You can't create this secret because a secret with this name is already scheduled for deletion.");
        }
        // A retried CreateSecret (same token, same value) is answered as the first one was.
        const same = token !== undefined && value !== undefined ? existing.versions.get(token) : undefined;
        if (same && sameValue(same, value!)) return { ARN: existing.arn, Name: existing.name, VersionId: same.id };
        throw new AwsApiError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
      }
      if (value !== undefined) checkKmsKey(kmsKeyId);
      const now = ctx.now();
      const secret: StoredSecret = {
        arn: newArn(name),
        name,
        ...(description !== undefined ? { description } : {}),
        // DescribeSecret leaves KmsKeyId out for the AWS managed key, as AWS does.
        ...(kmsKeyId !== undefined && !isDefaultKmsKey(kmsKeyId) ? { kmsKeyId: ctx.resolveKmsKey(kmsKeyId) ?? kmsKeyId } : {}),
        tags: mergeTags([], tags),
        versions: new Map(),
        createdDate: now,
        lastChangedDate: now,
      };
      let version: StoredVersion | undefined;
      if (value !== undefined) {
        version = addVersion(secret, token ?? crypto.randomUUID(), value);
        attachStage(secret, AWSCURRENT, version);
      }
      secrets.set(name, secret);
      const out = { ARN: secret.arn, Name: secret.name, VersionId: version?.id };
      publishCall(
        'CreateSecret',
        { Name: name, ClientRequestToken: token, Description: description, KmsKeyId: kmsKeyId, Tags: tags.length ? tags : undefined },
        out,
      );
      return out;
    },

    DescribeSecret(input) {
      return describe(requireSecret(requireSecretId(input), { allowDeleted: true }), false);
    },

    GetSecretValue(input) {
      const secret = requireSecret(requireSecretId(input));
      const versionId = readVersionId(input, 'VersionId');
      const stage = readString(input, 'VersionStage', { min: 1, max: 256 });
      return readVersion(secret, selectValue(secret, versionId, stage));
    },

    PutSecretValue(input) {
      const secretId = requireSecretId(input);
      const token = readVersionId(input, 'ClientRequestToken') ?? crypto.randomUUID();
      const value = readValue(input);
      const stages = readBoundedStringList(input, 'VersionStages', 1, 20, { min: 1, max: 256 });
      readString(input, 'RotationToken', { min: 36, max: 256, sensitive: true });
      if (value === undefined) throw invalidParameter('You must provide either SecretString or SecretBinary.');
      const secret = requireSecret(secretId);
      if (secret.owningService) throw managedByAnotherService(secret);
      checkKmsKey(secret.kmsKeyId);

      let version = secret.versions.get(token);
      let moved: string[] = [];
      if (version && hasValue(version)) {
        if (!sameValue(version, value)) {
          throw new AwsApiError('ResourceExistsException', "You can't modify an existing version, you can only create a new version.");
        }
      } else {
        // A token that names a version RotateSecret created without a value: the value goes there.
        if (version) Object.assign(version, value);
        else version = addVersion(secret, token, value);
        const wanted = [...(stages ?? [AWSCURRENT])];
        if (!holderOf(secret, AWSCURRENT) && !wanted.includes(AWSCURRENT)) wanted.push(AWSCURRENT);
        const target = version;
        moved = wanted.filter((stage) => attachStage(secret, stage, target) === 'moved');
        secret.lastChangedDate = ctx.now();
      }
      const out = { ARN: secret.arn, Name: secret.name, VersionId: version.id, VersionStages: [...version.stages] };
      publishCall('PutSecretValue', { SecretId: secretId, ClientRequestToken: token, VersionStages: stages }, out);
      publishLabelMoves(secret, moved, version);
      return out;
    },

    UpdateSecret(input) {
      const secretId = requireSecretId(input);
      const requestedToken = readVersionId(input, 'ClientRequestToken');
      const value = readValue(input);
      const description = readString(input, 'Description', { max: 2048 });
      const kmsKeyId = readString(input, 'KmsKeyId', { max: 2048 });
      readString(input, 'Type', { max: 256 });
      const secret = requireSecret(secretId);
      if (value !== undefined && secret.owningService) throw managedByAnotherService(secret);
      // An empty KmsKeyId means the AWS managed key, as AWS documents.
      const usesDefaultKey = kmsKeyId !== undefined && (kmsKeyId === '' || isDefaultKmsKey(kmsKeyId));
      if (kmsKeyId !== undefined && !usesDefaultKey) checkKmsKey(kmsKeyId);
      else if (value !== undefined && kmsKeyId === undefined) checkKmsKey(secret.kmsKeyId);

      let version: StoredVersion | undefined;
      let moved = false;
      if (value !== undefined) {
        const token = requestedToken ?? crypto.randomUUID();
        const existing = secret.versions.get(token);
        if (existing) {
          // A retry with the same token and value is ignored, as AWS documents; another value is refused.
          if (!hasValue(existing) || !sameValue(existing, value)) {
            throw new AwsApiError('ResourceExistsException', "You can't modify an existing version, you can only create a new version.");
          }
          version = existing;
        } else {
          // The new version takes AWSCURRENT; attachStage leaves AWSPREVIOUS on the one it left.
          version = addVersion(secret, token, value);
          moved = attachStage(secret, AWSCURRENT, version) === 'moved';
        }
      }
      if (description !== undefined) secret.description = description;
      if (usesDefaultKey) delete secret.kmsKeyId;
      else if (kmsKeyId !== undefined) secret.kmsKeyId = ctx.resolveKmsKey(kmsKeyId) ?? kmsKeyId;
      if (version !== undefined || description !== undefined || kmsKeyId !== undefined) secret.lastChangedDate = ctx.now();

      const out = { ARN: secret.arn, Name: secret.name, VersionId: version?.id };
      publishCall('UpdateSecret', { SecretId: secretId, ClientRequestToken: requestedToken, Description: description, KmsKeyId: kmsKeyId }, out);
      if (moved && version) publishLabelMoves(secret, [AWSCURRENT], version);
      return out;
    },

    UpdateSecretVersionStage(input) {
      const secretId = requireSecretId(input);
      const stage = requireString(input, 'VersionStage', { min: 1, max: 256 });
      const moveTo = readVersionId(input, 'MoveToVersionId');
      const removeFrom = readVersionId(input, 'RemoveFromVersionId');
      const secret = requireSecret(secretId);
      if (moveTo === undefined && removeFrom === undefined) {
        throw invalidParameter('You must specify MoveToVersionId, RemoveFromVersionId or both.');
      }
      const versionNamed = (id: string) => {
        const v = secret.versions.get(id);
        if (!v) throw invalidParameter(`Not a valid version: ${id}`);
        return v;
      };
      const target = moveTo !== undefined ? versionNamed(moveTo) : undefined;
      const source = removeFrom !== undefined ? versionNamed(removeFrom) : undefined;
      const holder = holderOf(secret, stage);
      // Only a label taken from one version to another moves; a removal alone moves nothing.
      let moved = false;
      if (source && !source.stages.includes(stage)) {
        throw invalidParameter(`The staging label ${stage} is not attached to version ${source.id}, so it can't be removed from it.`);
      }
      if (target) {
        if (holder && holder !== target && holder !== source) {
          throw invalidParameter(
            `The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ${holder.id}, so you must explicitly reference that version in RemoveFromVersionId.`,
          );
        }
        moved = attachStage(secret, stage, target) === 'moved';
      } else {
        if (stage === AWSCURRENT) {
          throw invalidParameter("You can only move staging label AWSCURRENT to a different secret version. It can't be completely removed.");
        }
        removeStage(source!, stage);
      }
      secret.lastChangedDate = ctx.now();
      const out = { ARN: secret.arn, Name: secret.name };
      publishCall(
        'UpdateSecretVersionStage',
        { SecretId: secretId, VersionStage: stage, MoveToVersionId: moveTo, RemoveFromVersionId: removeFrom },
        out,
      );
      if (moved && target) publishLabelMoves(secret, [stage], target);
      return out;
    },

    ListSecrets(input) {
      const maxResults = readInteger(input, 'MaxResults', 1, 100);
      const filters = readFilters(input) ?? [];
      const includeDeleted = readBoolean(input, 'IncludePlannedDeletion') ?? false;
      const sortBy = readEnum(input, 'SortBy', ['created-date', 'last-accessed-date', 'last-changed-date', 'name']) ?? 'created-date';
      const sortOrder = readEnum(input, 'SortOrder', ['asc', 'desc']) ?? 'asc';
      const page = readPage(input, maxResults ?? 0, 100);
      const key = (s: StoredSecret): string | number =>
        sortBy === 'name'
          ? s.name
          : sortBy === 'last-accessed-date'
            ? (s.lastAccessedDate?.getTime() ?? 0)
            : sortBy === 'last-changed-date'
              ? s.lastChangedDate.getTime()
              : s.createdDate.getTime();
      const sorted = listed(filters, includeDeleted).sort((a, b) => {
        const [x, y] = [key(a), key(b)];
        const c = x < y ? -1 : x > y ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
        return sortOrder === 'asc' ? c : -c;
      });
      const { items, nextToken } = pageOf(sorted, page);
      return { SecretList: items.map((s) => describe(s, true)), NextToken: nextToken };
    },

    BatchGetSecretValue(input) {
      const ids = readBoundedStringList(input, 'SecretIdList', 1, 20, { min: 1, max: 2048 });
      const filters = readFilters(input);
      const maxResults = readInteger(input, 'MaxResults', 1, 20);
      if ((ids === undefined) === (filters === undefined)) {
        throw invalidParameter("Either 'SecretIdList' or 'Filters' must be provided, but not both.");
      }
      if (maxResults !== undefined && filters === undefined) {
        throw invalidParameter("'Filters' not specified. 'Filters' must also be specified when 'MaxResults' is provided.");
      }
      const values: unknown[] = [];
      const errors: Array<{ SecretId: string; ErrorCode: string; Message: string }> = [];
      if (ids) {
        for (const id of ids) {
          try {
            const secret = requireSecret(id);
            values.push(readVersion(secret, selectValue(secret, undefined, AWSCURRENT)));
          } catch (err) {
            if (!(err instanceof AwsApiError)) throw err;
            errors.push({ SecretId: id, ErrorCode: err.type, Message: err.message });
          }
        }
        return { SecretValues: values, Errors: errors };
      }
      const page = readPage(input, maxResults ?? 0, 20);
      const { items, nextToken } = pageOf(listed(filters!, false), page);
      for (const secret of items) {
        try {
          values.push(readVersion(secret, selectValue(secret, undefined, AWSCURRENT)));
        } catch (err) {
          if (!(err instanceof AwsApiError)) throw err;
          errors.push({ SecretId: secret.arn, ErrorCode: err.type, Message: err.message });
        }
      }
      return { SecretValues: values, Errors: errors, NextToken: nextToken };
    },

    ListSecretVersionIds(input) {
      const secret = requireSecret(requireSecretId(input), { allowDeleted: true });
      const maxResults = readInteger(input, 'MaxResults', 1, 100);
      const includeDeprecated = readBoolean(input, 'IncludeDeprecated') ?? false;
      const page = readPage(input, maxResults ?? 0, 100);
      const versions = [...secret.versions.values()].filter((v) => includeDeprecated || v.stages.length > 0);
      const { items, nextToken } = pageOf(versions, page);
      return {
        ARN: secret.arn,
        Name: secret.name,
        Versions: items.map((v) => ({
          VersionId: v.id,
          VersionStages: [...v.stages],
          CreatedDate: v.createdDate,
          LastAccessedDate: v.lastAccessedDate,
        })),
        NextToken: nextToken,
      };
    },

    TagResource(input) {
      const secretId = requireSecretId(input);
      const tags = readTags(input);
      if (tags === undefined) throw createConstraintError('Tags', 'Member must not be null', null);
      const secret = requireSecret(secretId);
      const merged = mergeTags(secret.tags, tags);
      if (merged.length > 50) throw invalidParameter('A secret can have at most 50 tags.');
      secret.tags = merged;
      secret.lastChangedDate = ctx.now();
      publishCall('TagResource', { SecretId: secretId, Tags: tags }, null);
      return {};
    },

    UntagResource(input) {
      const secretId = requireSecretId(input);
      const keys = readBoundedStringList(input, 'TagKeys', 0, 50, { min: 1, max: 128 });
      if (keys === undefined) throw createConstraintError('TagKeys', 'Member must not be null', null);
      const secret = requireSecret(secretId);
      secret.tags = secret.tags.filter((t) => !keys.includes(t.Key));
      secret.lastChangedDate = ctx.now();
      publishCall('UntagResource', { SecretId: secretId, TagKeys: keys }, null);
      return {};
    },

    DeleteSecret(input) {
      const secretId = requireSecretId(input);
      const window = readInteger(input, 'RecoveryWindowInDays', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
      const force = readBoolean(input, 'ForceDeleteWithoutRecovery') ?? false;
      if (window !== undefined && force) {
        throw invalidParameter("You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
      }
      if (window !== undefined && (window < 7 || window > 30)) {
        throw invalidParameter('The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).');
      }
      const secret = requireSecret(secretId, { allowDeleted: true });
      // A secret already scheduled for deletion can still be deleted at once, not rescheduled.
      if (secret.deletionDate && !force) throw markedForDeletion();
      const now = ctx.now();
      if (secret.run) secret.run.cancelled = true;
      if (force) {
        secrets.delete(secret.name);
      } else {
        secret.deletionDate = new Date(now.getTime() + (window ?? 30) * DAY_MS);
        secret.lastChangedDate = now;
      }
      const out = { ARN: secret.arn, Name: secret.name, DeletionDate: force ? now : secret.deletionDate };
      publishCall(
        'DeleteSecret',
        { SecretId: secretId, RecoveryWindowInDays: window, ForceDeleteWithoutRecovery: force || undefined },
        out,
      );
      return out;
    },

    RestoreSecret(input) {
      const secretId = requireSecretId(input);
      const secret = requireSecret(secretId, { allowDeleted: true });
      delete secret.deletionDate;
      secret.lastChangedDate = ctx.now();
      const out = { ARN: secret.arn, Name: secret.name };
      publishCall('RestoreSecret', { SecretId: secretId }, out);
      return out;
    },

    GetRandomPassword(input) {
      const options = {
        passwordLength: readInteger(input, 'PasswordLength', 1, 4096),
        excludeCharacters: readString(input, 'ExcludeCharacters', { max: 4096 }),
        excludeNumbers: readBoolean(input, 'ExcludeNumbers'),
        excludePunctuation: readBoolean(input, 'ExcludePunctuation'),
        excludeUppercase: readBoolean(input, 'ExcludeUppercase'),
        excludeLowercase: readBoolean(input, 'ExcludeLowercase'),
        includeSpace: readBoolean(input, 'IncludeSpace'),
        requireEachIncludedType: readBoolean(input, 'RequireEachIncludedType'),
      };
      return { RandomPassword: generateRandomPassword(options) };
    },

    RotateSecret(input) {
      const secretId = requireSecretId(input);
      const requestedToken = readVersionId(input, 'ClientRequestToken');
      const lambdaArnInput = readString(input, 'RotationLambdaARN', { max: 2048 });
      const rules = readRotationRules(input);
      const immediately = readBoolean(input, 'RotateImmediately') ?? true;
      const secret = requireSecret(secretId);
      const lambdaArn = lambdaArnInput ?? secret.rotation?.lambdaArn;
      if (!lambdaArn && secret.owningService) {
        throw invalidRequest(
          `The secret ${secret.name} is rotated by ${secret.owningService}'s managed rotation, which keyroll's local endpoint does not emulate.`,
        );
      }
      if (!lambdaArn) throw invalidRequest('No Lambda rotation function ARN is associated with this secret.');

      const pending = holderOf(secret, AWSPENDING);
      const current = holderOf(secret, AWSCURRENT);
      const stalePending = pending && pending !== current ? pending : undefined;
      // The request that names the pending version continues that rotation (steps re-run with its token).
      const continuing = stalePending !== undefined && requestedToken === stalePending.id;
      if (secret.run) {
        if (secret.run.token !== requestedToken) throw rotationInProgress();
      } else if (stalePending && !continuing) {
        throw rotationInProgress();
      }
      // A retry of the request whose rotation still runs is answered without a second run.
      const alreadyRunning = secret.run !== undefined;

      let token: string;
      let testVersion: StoredVersion | undefined;
      if (alreadyRunning) {
        token = secret.run!.token;
      } else if (continuing) {
        token = stalePending!.id;
      } else {
        token = requestedToken ?? crypto.randomUUID();
        if (secret.versions.has(token)) {
          throw new AwsApiError(
            'ResourceExistsException',
            `You can't use ClientRequestToken ${token} because that value is already in use for a version of secret ${secret.arn}.`,
          );
        }
        // The new version carries AWSPENDING and no value until createSecret stores one.
        testVersion = addVersion(secret, token, undefined);
        attachStage(secret, AWSPENDING, testVersion);
      }

      const now = ctx.now();
      const effectiveRules = rules ?? secret.rotation?.rules;
      secret.rotation = {
        ...secret.rotation,
        enabled: true,
        lambdaArn,
        ...(effectiveRules ? { rules: effectiveRules } : {}),
      };
      if (!immediately) {
        const next = nextRotationDate(effectiveRules, now);
        if (next) secret.rotation.nextRotationDate = next;
      }
      secret.lastChangedDate = now;

      const out = { ARN: secret.arn, Name: secret.name, VersionId: token };
      publishCall(
        'RotateSecret',
        {
          SecretId: secretId,
          ClientRequestToken: requestedToken,
          RotationLambdaARN: lambdaArnInput,
          RotationRules: rules,
          RotateImmediately: readBoolean(input, 'RotateImmediately'),
        },
        out,
      );
      if (!alreadyRunning) startRotation(secret, lambdaArn, token, immediately, continuing ? undefined : testVersion);
      return out;
    },

    CancelRotateSecret(input) {
      const secretId = requireSecretId(input);
      const secret = requireSecret(secretId);
      if (!secret.rotation?.lambdaArn) {
        throw invalidRequest(
          "You tried to enable rotation on a secret that doesn't already have a Lambda function ARN configured and you didn't include such an ARN as a parameter in this call.",
        );
      }
      secret.rotation.enabled = false;
      delete secret.rotation.nextRotationDate;
      if (secret.run) secret.run.cancelled = true;
      secret.lastChangedDate = ctx.now();
      // AWSPENDING stays where it is: the answer names that version so the caller can clean it up.
      const pending = holderOf(secret, AWSPENDING);
      const inProgress = pending && pending !== holderOf(secret, AWSCURRENT) ? pending.id : undefined;
      const out = { ARN: secret.arn, Name: secret.name, VersionId: inProgress };
      publishCall('CancelRotateSecret', { SecretId: secretId }, out);
      return out;
    },
  };

  return {
    targetPrefix: 'secretsmanager',
    name: 'secretsmanager',
    operations,
    versionsOf(secretId) {
      const secret = findSecret(secretId);
      if (!secret) throw secretNotFound();
      return [...secret.versions.values()].map((v) => ({
        versionId: v.id,
        stages: [...v.stages],
        hasValue: hasValue(v),
        createdDate: v.createdDate,
      }));
    },
    createManagedSecret(spec) {
      purgeExpired();
      if (secrets.has(spec.name)) throw new Error(`cannot create the managed secret ${spec.name}: a secret of that name exists`);
      checkKmsKey(spec.kmsKeyId);
      const now = ctx.now();
      const secret: StoredSecret = {
        arn: newArn(spec.name),
        name: spec.name,
        ...(spec.description !== undefined ? { description: spec.description } : {}),
        ...(spec.kmsKeyId !== undefined && !isDefaultKmsKey(spec.kmsKeyId)
          ? { kmsKeyId: ctx.resolveKmsKey(spec.kmsKeyId) ?? spec.kmsKeyId }
          : {}),
        tags: mergeTags([], [...(spec.tags ?? []), { Key: OWNING_SERVICE_TAG, Value: spec.owningService }]),
        versions: new Map(),
        createdDate: now,
        lastChangedDate: now,
        owningService: spec.owningService,
        ...(spec.rotationRules
          ? { rotation: { enabled: true, rules: spec.rotationRules, nextRotationDate: nextRotationDate(spec.rotationRules, now) } }
          : {}),
      };
      const version = addVersion(secret, crypto.randomUUID(), { secretString: spec.secretString });
      attachStage(secret, AWSCURRENT, version);
      secrets.set(spec.name, secret);
      return { arn: secret.arn, name: secret.name, versionId: version.id };
    },
  };
}

/** Adds or overwrites tags by key, keeping first-seen order. */
function mergeTags(existing: readonly Tag[], added: readonly Tag[]): Tag[] {
  const byKey = new Map(existing.map((t) => [t.Key, { ...t }]));
  for (const t of added) byKey.set(t.Key, { ...t });
  return [...byKey.values()];
}
