import type { Operation, ServiceContext } from './types.js';
import type { EcsArns } from './ecsArns.js';
import { clientException, invalidParameter } from './ecsErrors.js';
import { readInteger, readObjectList, readStringList } from './requestFields.js';
import { readString, readTags } from './ecsInput.js';
import { paginateEcs } from './ecsPagination.js';

type Json = Record<string, unknown>;

/** One registered revision. `body` is what DescribeTaskDefinition answers, apart from the status fields. */
export interface TaskDefinitionRecord {
  readonly family: string;
  readonly revision: number;
  readonly arn: string;
  status: 'ACTIVE' | 'INACTIVE';
  deregisteredAt?: Date;
  readonly body: Json;
  readonly tags: Array<{ key: string; value: string }>;
}

export interface EcsTaskDefinitions {
  readonly operations: {
    RegisterTaskDefinition: Operation;
    DescribeTaskDefinition: Operation;
    DeregisterTaskDefinition: Operation;
    ListTaskDefinitions: Operation;
  };
  /**
   * The revision a service is pointed at: `family` (latest ACTIVE), `family:revision` or an ARN.
   * @throws ClientException `TaskDefinition not found.` or `TaskDefinition is inactive`, as CreateService and UpdateService answer.
   */
  resolveForService(ref: string): TaskDefinitionRecord;
}

// AWS: "Up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens are allowed."
const NAME = /^[A-Za-z0-9_-]{1,255}$/;

/** Defaults ECS fills into every container definition it stores. */
function normalizeContainer(c: Json): Json {
  if (readString(c, 'name') === undefined) throw clientException('Container.name should not be null or empty.');
  if (readString(c, 'image') === undefined) throw clientException('Container.image should not be null or empty.');
  return {
    cpu: 0,
    portMappings: [],
    essential: true,
    environment: [],
    mountPoints: [],
    volumesFrom: [],
    systemControls: [],
    ...structuredClone(c),
  };
}

/** The task definition registry of one endpoint: revisions per family, immutable once registered. */
export function createEcsTaskDefinitions(ctx: ServiceContext, arns: EcsArns): EcsTaskDefinitions {
  const families = new Map<string, TaskDefinitionRecord[]>();

  const find = (ref: string): TaskDefinitionRecord | undefined => {
    const parsed = arns.taskDefinitionRef(ref);
    if (!parsed) return undefined;
    const revisions = families.get(parsed.family);
    if (!revisions) return undefined;
    if (parsed.revision === undefined) return revisions.findLast((r) => r.status === 'ACTIVE');
    return revisions[parsed.revision - 1];
  };

  const describe = (r: TaskDefinitionRecord): Json => ({
    ...r.body,
    status: r.status,
    ...(r.deregisteredAt ? { deregisteredAt: r.deregisteredAt } : {}),
  });

  const RegisterTaskDefinition: Operation = (input) => {
    const family = readString(input, 'family');
    if (family === undefined) throw clientException('Family can not be blank.');
    if (!NAME.test(family)) throw clientException('Family contains invalid characters.');
    const containers = readObjectList(input, 'containerDefinitions') ?? [];
    if (containers.length === 0) throw clientException('Container list cannot be empty.');
    const containerDefinitions = containers.map(normalizeContainer);
    const tags = readTags(input);
    const requires = readStringList(input, 'requiresCompatibilities');

    const revisions = families.get(family) ?? [];
    const revision = revisions.length + 1;
    const arn = arns.taskDefinition(family, revision);
    const { tags: _tags, ...rest } = structuredClone(input);
    const body: Json = {
      networkMode: 'bridge',
      volumes: [],
      placementConstraints: [],
      requiresAttributes: [],
      ...rest,
      taskDefinitionArn: arn,
      family,
      revision,
      containerDefinitions,
      // ECS lists the launch types the definition validated against; EC2 always qualifies.
      compatibilities: requires?.includes('FARGATE') ? ['EC2', 'FARGATE'] : ['EC2'],
      registeredAt: ctx.now(),
      registeredBy: `arn:aws:iam::${ctx.accountId}:root`,
    };
    const record: TaskDefinitionRecord = { family, revision, arn, status: 'ACTIVE', body, tags };
    revisions.push(record);
    families.set(family, revisions);
    return { taskDefinition: describe(record), tags };
  };

  const DescribeTaskDefinition: Operation = (input) => {
    const ref = readString(input, 'taskDefinition');
    const record = ref === undefined ? undefined : find(ref);
    if (!record) throw clientException('Unable to describe task definition.');
    const withTags = (readStringList(input, 'include') ?? []).includes('TAGS');
    return { taskDefinition: describe(record), ...(withTags ? { tags: record.tags } : {}) };
  };

  const DeregisterTaskDefinition: Operation = (input) => {
    const ref = readString(input, 'taskDefinition');
    if (ref === undefined) throw clientException('Unable to describe task definition.');
    // AWS refuses to pick a revision on the caller's behalf here, unlike Describe.
    if (arns.taskDefinitionRef(ref)?.revision === undefined) {
      throw clientException('Invalid task definition: a revision is required (family:revision or the full ARN).');
    }
    const record = find(ref);
    if (!record) throw clientException('The specified task definition does not exist.');
    if (record.status === 'ACTIVE') {
      record.status = 'INACTIVE';
      record.deregisteredAt = ctx.now();
    }
    return { taskDefinition: describe(record) };
  };

  const ListTaskDefinitions: Operation = (input) => {
    const familyPrefix = readString(input, 'familyPrefix');
    const status = readString(input, 'status') ?? 'ACTIVE';
    if (status !== 'ACTIVE' && status !== 'INACTIVE' && status !== 'DELETE_IN_PROGRESS') {
      throw invalidParameter('status must be one of ACTIVE, INACTIVE, DELETE_IN_PROGRESS.');
    }
    const sort = readString(input, 'sort') ?? 'ASC';
    if (sort !== 'ASC' && sort !== 'DESC') throw invalidParameter('sort must be ASC or DESC.');
    // Listed by family name, then revision number: the key sorts the same way as a string.
    const keyOf = (r: TaskDefinitionRecord) => `${r.family}\u0000${String(r.revision).padStart(10, '0')}`;
    const matching = [...families.values()]
      .flat()
      .filter((r) => r.status === status && (familyPrefix === undefined || r.family.startsWith(familyPrefix)))
      .sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1));
    if (sort === 'DESC') matching.reverse();
    const page = paginateEcs(
      matching,
      keyOf,
      { maxResults: readInteger(input, 'maxResults'), nextToken: readString(input, 'nextToken'), defaultMax: 100, max: 100 },
      sort === 'DESC',
    );
    return { taskDefinitionArns: page.items.map((r) => r.arn), ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
  };

  return {
    operations: { RegisterTaskDefinition, DescribeTaskDefinition, DeregisterTaskDefinition, ListTaskDefinitions },
    resolveForService(ref) {
      const record = find(ref);
      if (!record) throw clientException('TaskDefinition not found.');
      if (record.status !== 'ACTIVE') throw clientException('TaskDefinition is inactive');
      return record;
    },
  };
}
