/**
 * The cost of an operation, counted before it runs, with the request's variables and the
 * arguments' defaults (docs/security.md, "Cost"). The cost is an upper bound of the fields the
 * operation can resolve: every field counts 1 each time it can resolve, and a list multiplies
 * what is selected under it by its real bound — a connection's page size (`first`, default 20,
 * at most 100), a transaction's legs (≤ 100), a batch's results (its number of transactions).
 * A list of plain data its parent already computed (report lines, totals, days) counts once.
 * A union or interface counts its dearest member, since only one of them resolves.
 */
import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  getNullableType,
  getOperationAST,
  getVariableValues,
  GraphQLIncludeDirective,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  GraphQLSkipDirective,
  isAbstractType,
  isCompositeType,
  isListType,
  isInputObjectType,
  isObjectType,
  Kind,
  typeFromAST,
  valueFromASTUntyped,
  type VariableDefinitionNode,
  type GraphQLField,
  type SelectionNode,
  type SelectionSetNode,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
} from 'graphql';
import { DEFAULT_PAGE_SIZE, MAX_BATCH, MAX_CATEGORY_MEMBERS, MAX_LEGS, MAX_PAGE_SIZE } from '../domain/limits.js';

type Args = Record<string, unknown>;

/** How many items a list of objects can hold, from the arguments of the field that holds it. */
type ListBound = (parentArgs: Args) => number;

/** A connection's page: `first` as the resolver will take it; one it refuses counts as the cap. */
export function pageBound(parentArgs: Args): number {
  const first = parentArgs.first;
  if (first == null) return DEFAULT_PAGE_SIZE;
  return Number.isInteger(first) && (first as number) >= 1 && (first as number) <= MAX_PAGE_SIZE
    ? (first as number)
    : MAX_PAGE_SIZE;
}

/** A batch's results: one per item given (a batch outside 1 … MAX_BATCH is refused). */
function batchBound(items: 'transactions' | 'operations'): ListBound {
  return (parentArgs) => {
    const given = (parentArgs.input as Record<string, unknown> | undefined)?.[items];
    // Raw as sent (costVariables): a single object stands for a list of one, as coercion reads it.
    return Array.isArray(given) ? Math.min(Math.max(given.length, 1), MAX_BATCH) : 1;
  };
}

/** The lists of objects that are not connection pages, and what bounds them. */
const LIST_BOUNDS: Record<string, ListBound> = {
  'Transaction.entries': () => MAX_LEGS,
  'PostTransactionsPayload.results': batchBound('transactions'),
  'ExecuteBatchPayload.results': batchBound('operations'),
  'Category.members': () => MAX_CATEGORY_MEMBERS,
  // A pull hands out at most `first` events, as a connection's page.
  'ConsumerBatch.events': pageBound,
};

/**
 * Lists of objects made of plain data their parent field computed in one go: their items
 * resolve nothing further, so the list counts once, whatever its length.
 */
const PLAIN_LISTS = new Set([
  'Query.balanceMonitors',
  'Query.metadataIndexes',
  'Query.consumers',
  'Query.balances',
  'Category.balance',
  'BalanceSheet.sections',
  'BalanceSheet.totals',
  'IncomeStatement.sections',
  'IncomeStatement.totals',
  'FinancialStatementSection.lines',
  'FinancialStatementSection.totals',
  'DailyBalanceHistory.days',
  'TrialBalance.lines',
  'TrialBalance.totals',
  'TrialBalance.byPrefix',
  'TrialBalance.byType',
  'UnbalancedTransaction.imbalances',
  'ExecuteBatchPayload.balances',
  'DryRun.balances',
  'Transaction.exchanges',
]);

/** Fields that do more than one field's work: a durable commit, a read of the whole ledger, a count. */
const WEIGHTS: Record<string, number> = {
  'Query.trialBalance': 100,
  'Query.balanceSheet': 100,
  'Query.incomeStatement': 100,
  'Query.verifyIntegrity': 100,
  'Query.exportReport': 100,
  'Query.books': 100,
  'Query.balances': 100,
  // A pull is a write transaction (it takes a lease), weighed as a mutation.
  'Query.consumerEvents': 10,
  'Category.balance': 100,
  'Category.members': 10,
  // A count reads every matching row, not a page of them.
  'EntryConnection.totalCount': 100,
  'TransactionConnection.totalCount': 100,
};
const MUTATION_WEIGHT = 10;

/** How a list field's items multiply what is selected under it; undefined when the model has no rule. */
export function listMultiplier(
  parent: GraphQLObjectType,
  field: GraphQLField<unknown, unknown>,
): ListBound | undefined {
  if (!isListType(getNullableType(field.type)) || !isCompositeType(getNamedType(field.type))) return () => 1;
  const key = `${parent.name}.${field.name}`;
  if (field.name === 'edges' && parent.name.endsWith('Connection')) return pageBound;
  if (parent.name.startsWith('__') || PLAIN_LISTS.has(key)) return () => 1;
  return LIST_BOUNDS[key];
}

/** Every list of objects the schema has that the model cannot count: empty, or a test fails. */
export function uncountedLists(schema: GraphQLSchema): string[] {
  const missing: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields()))
      if (!listMultiplier(type, field)) missing.push(`${type.name}.${field.name}`);
  }
  return missing;
}

/** Entries of the tables above that name no field of the schema (left behind by a rename): empty, or a test fails. */
export function staleCostEntries(schema: GraphQLSchema): string[] {
  const exists = (key: string) => {
    const [typeName, fieldName] = key.split('.') as [string, string];
    const type = schema.getType(typeName);
    return isObjectType(type) && fieldName in type.getFields();
  };
  return [...Object.keys(LIST_BOUNDS), ...PLAIN_LISTS, ...Object.keys(WEIGHTS)].filter((key) => !exists(key));
}

export type CostResult = { ok: true; cost: number } | { ok: false; reason: string };

/**
 * The cost of the operation a request runs. Not ok when the operation cannot run at all
 * (no such operation, variables that do not coerce): execution then reports why, and nothing runs.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  rawVariables: Args | null | undefined,
  operationName?: string | null,
): CostResult {
  const operation = getOperationAST(document, operationName);
  if (!operation) return { ok: false, reason: 'no operation to run' };
  const variables = costVariables(schema, operation.variableDefinitions ?? [], rawVariables ?? {});
  if ('reason' in variables) return { ok: false, reason: variables.reason };
  const root = schema.getRootType(operation.operation);
  if (!root) return { ok: false, reason: `no ${operation.operation} type` };
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  const walker = new CostWalker(
    schema,
    fragments,
    variables.values,
    operation.operation === 'mutation' ? MUTATION_WEIGHT : 1,
  );
  return { ok: true, cost: walker.selectionSet(operation.selectionSet, root, {}, true) };
}

/**
 * The variables the walker reads. Scalars and enums (a page's `first`, `@skip(if:)`) are coerced
 * as execution will coerce them: one that does not coerce leaves the operation unpriced. An input
 * object is taken as sent: only list lengths are read from it, each bound checks what it reads,
 * and execution coerces it anyway — coercing a batch of thousands of legs twice, once here, was
 * the longest stall of the event loop such a request caused (docs/performance.md).
 */
function costVariables(
  schema: GraphQLSchema,
  definitions: readonly VariableDefinitionNode[],
  raw: Args,
): { values: Args } | { reason: string } {
  const isInputObject = (definition: VariableDefinitionNode) => {
    const type = typeFromAST(schema, definition.type);
    return type !== undefined && isInputObjectType(getNamedType(type));
  };
  const scalars = definitions.filter((definition) => !isInputObject(definition));
  const coerced = getVariableValues(schema, scalars, raw, { maxErrors: 1 });
  if (coerced.errors) return { reason: coerced.errors[0]!.message };
  const values: Args = { ...coerced.coerced };
  for (const definition of definitions) {
    if (!isInputObject(definition)) continue;
    const name = definition.variable.name.value;
    if (Object.hasOwn(raw, name)) values[name] = raw[name];
    else if (definition.defaultValue) values[name] = valueFromASTUntyped(definition.defaultValue);
  }
  return { values };
}

class CostWalker {
  /** Each selection set counted once per type and parent arguments: fragments spread many times stay linear. */
  private readonly memo = new Map<SelectionSetNode, Map<GraphQLNamedType, WeakMap<Args, number>>>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly fragments: Record<string, FragmentDefinitionNode>,
    private readonly variables: Args,
    private readonly rootWeight: number,
  ) {}

  selectionSet(set: SelectionSetNode, type: GraphQLNamedType, parentArgs: Args, root = false): number {
    const byType = this.memo.get(set) ?? new Map<GraphQLNamedType, WeakMap<Args, number>>();
    this.memo.set(set, byType);
    const byArgs = byType.get(type) ?? new WeakMap<Args, number>();
    byType.set(type, byArgs);
    const known = byArgs.get(parentArgs);
    if (known !== undefined) return known;
    // Only one member of a union or interface resolves: the dearest bounds them all.
    const cost = isAbstractType(type)
      ? Math.max(0, ...this.schema.getPossibleTypes(type).map((member) => this.onObject(set, member, parentArgs, root)))
      : isObjectType(type)
        ? this.onObject(set, type, parentArgs, root)
        : 0;
    byArgs.set(parentArgs, cost);
    return cost;
  }

  private onObject(set: SelectionSetNode, type: GraphQLObjectType, parentArgs: Args, root: boolean): number {
    let cost = 0;
    for (const selection of set.selections) {
      if (!this.included(selection)) continue;
      if (selection.kind === Kind.FIELD) {
        cost += this.field(selection, type, parentArgs, root);
        continue;
      }
      const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : this.fragments[selection.name.value];
      if (!fragment || !this.applies(fragment.typeCondition?.name.value, type)) continue;
      cost += this.selectionSet(fragment.selectionSet, type, parentArgs, root);
    }
    return cost;
  }

  private field(node: FieldNode, parent: GraphQLObjectType, parentArgs: Args, root: boolean): number {
    const name = node.name.value;
    const field =
      name === '__typename'
        ? TypeNameMetaFieldDef
        : name === '__schema'
          ? SchemaMetaFieldDef
          : name === '__type'
            ? TypeMetaFieldDef
            : parent.getFields()[name];
    // Validation has passed, so every field exists; counted anyway rather than trusted.
    if (!field) return 1;
    const weight = WEIGHTS[`${parent.name}.${name}`] ?? 1;
    const own = root ? Math.max(weight, this.rootWeight) : weight;
    if (!node.selectionSet) return own;
    let args: Args;
    try {
      args = getArgumentValues(field, node, this.variables);
    } catch {
      // Arguments the resolver cannot read: the field fails and nothing under it resolves.
      return own;
    }
    const bound = listMultiplier(parent, field) ?? (() => MAX_BATCH);
    return own + bound(parentArgs) * this.selectionSet(node.selectionSet, getNamedType(field.type), args);
  }

  private included(selection: SelectionNode): boolean {
    if (!selection.directives?.length) return true;
    try {
      if (getDirectiveValues(GraphQLSkipDirective, selection, this.variables)?.if === true) return false;
      if (getDirectiveValues(GraphQLIncludeDirective, selection, this.variables)?.if === false) return false;
    } catch {
      // Unreadable directive arguments: counted as included, the dearer reading.
    }
    return true;
  }

  private applies(condition: string | undefined, type: GraphQLObjectType): boolean {
    if (!condition || condition === type.name) return true;
    const conditionType = this.schema.getType(condition);
    return !!conditionType && isAbstractType(conditionType) && this.schema.isSubType(conditionType, type);
  }
}
