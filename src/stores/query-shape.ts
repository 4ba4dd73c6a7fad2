/**
 * The shape of a MongoDB command: which fields its filter uses and how, and its sort, without
 * values. Shapes are what indexes are declared for (src/stores/catalog.ts) and what the query log
 * records (src/stores/query-log.ts).
 */
export type FieldUse = 'eq' | 'in' | 'range' | 'other';

export interface QueryShape {
  collection: string;
  /** find, count, distinct, aggregate, update, delete, findAndModify */
  op: string;
  filter: Array<[field: string, use: FieldUse]>;
  sort: Array<[field: string, direction: 1 | -1]>;
}

const RANGE = new Set(['$gt', '$gte', '$lt', '$lte']);

function useOf(value: unknown): FieldUse {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Date) return 'eq';
  const operators = Object.keys(value);
  if (!operators.length || !operators.every((o) => o.startsWith('$'))) return 'eq';
  if (operators.every((o) => RANGE.has(o))) return 'range';
  if (operators.length === 1 && operators[0] === '$eq') return 'eq';
  if (operators.length === 1 && operators[0] === '$in') return 'in';
  return 'other';
}

type Doc = Record<string, unknown>;
const asDoc = (value: unknown): Doc =>
  value instanceof Map ? Object.fromEntries(value) : value && typeof value === 'object' ? (value as Doc) : {};

export function filterShape(filter: unknown): QueryShape['filter'] {
  return Object.entries(asDoc(filter))
    .filter(([field]) => field !== '$comment')
    .map(([field, value]) => [field, field.startsWith('$') ? 'other' : useOf(value)]);
}

export function sortShape(sort: unknown): QueryShape['sort'] {
  return Object.entries(asDoc(sort)).map(([field, direction]) => [field, Number(direction) < 0 ? -1 : 1]);
}

/** The shapes of the reads a command makes (inserts make none). */
export function shapesOfCommand(commandName: string, command: Doc): QueryShape[] {
  const collection = String(command[commandName] ?? '');
  const shape = (op: string, filter: unknown, sort?: unknown): QueryShape => ({
    collection,
    op,
    filter: filterShape(filter),
    sort: sortShape(sort),
  });
  switch (commandName) {
    case 'find':
      return [shape('find', command.filter, command.sort)];
    case 'count':
    case 'distinct':
      return [shape(commandName, command.query)];
    case 'findAndModify':
      return [shape(commandName, command.query, command.sort)];
    case 'update':
    case 'delete': {
      const ops = (command[commandName === 'update' ? 'updates' : 'deletes'] as Doc[] | undefined) ?? [];
      return ops.map((op) => shape(commandName, op.q));
    }
    case 'aggregate': {
      const stages = (command.pipeline as Doc[] | undefined) ?? [];
      const match = stages[0]?.$match;
      const sortStage = stages.find((s) => s.$sort)?.$sort;
      return [shape('aggregate', match, match ? sortStage : undefined)];
    }
    default:
      return [];
  }
}

export function shapeText(shape: Pick<QueryShape, 'filter' | 'sort'>): string {
  const filter = shape.filter.map(([field, use]) => (use === 'eq' ? field : `${field}: ${use}`)).join(', ');
  const sort = shape.sort.map(([field, direction]) => `${field}: ${direction}`).join(', ');
  return `{${filter}}${sort ? ` sort {${sort}}` : ''}`;
}

/** A declared shape: `{orgId, _id: range?} sort {_id: 1}`, where `?` marks a field that may be absent. */
export interface ShapePattern {
  filter: Array<{ field: string; use: FieldUse; optional: boolean }>;
  sort: QueryShape['sort'];
}

export function parseShapePattern(text: string): ShapePattern {
  const match = /^\{(.*?)\}(?: sort \{(.*)\})?$/.exec(text);
  if (!match) throw new Error(`not a query shape: ${text}`);
  const parts = (s: string | undefined) => (s ? s.split(', ').filter(Boolean) : []);
  return {
    filter: parts(match[1]).map((part) => {
      const optional = part.endsWith('?');
      const [field = '', use = 'eq'] = part.replace(/\?$/, '').split(': ');
      return { field, use: use as FieldUse, optional };
    }),
    sort: parts(match[2]).map((part) => {
      const [field = '', direction = '1'] = part.split(': ');
      return [field, Number(direction) < 0 ? -1 : 1];
    }),
  };
}

/** The pattern's required fields only: the least a matching query filters on. */
export const requiredShape = (pattern: ShapePattern): Pick<QueryShape, 'filter' | 'sort'> => ({
  filter: pattern.filter.filter((f) => !f.optional).map((f) => [f.field, f.use]),
  sort: pattern.sort,
});

export function shapeMatches(shape: Pick<QueryShape, 'filter' | 'sort'>, pattern: ShapePattern): boolean {
  const declared = new Map(pattern.filter.map((f) => [f.field, f]));
  const used = new Map(shape.filter);
  return (
    shape.filter.every(([field, use]) => declared.get(field)?.use === use) &&
    pattern.filter.every((f) => f.optional || used.has(f.field)) &&
    shape.sort.length === pattern.sort.length &&
    shape.sort.every(([field, direction], i) => pattern.sort[i]?.[0] === field && pattern.sort[i]?.[1] === direction)
  );
}
