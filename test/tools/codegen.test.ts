/**
 * docs/clients.md's codegen setup, run: GraphQL Code Generator (client preset, the doc's
 * codegen.ts) on schema/schema.graphql and the doc's operation, then tsc on the doc's typed use
 * of it — which must pass — and on a deliberately wrong use (a Decimal taken as a number, a
 * DateTime variable given a Date) — which must not.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_DOCS, type Generated, generateClient } from '../support/codegen.js';

let generated: Generated;

const WRONG = `import type { ResultOf, VariablesOf } from '@graphql-typed-document-node/core';
import type { AccountBalance } from './typed-operations.js';

export const total = (data: ResultOf<typeof AccountBalance>): number => data.account!.balance.posted.amount + 1;
export const variables: VariablesOf<typeof AccountBalance> = { code: 'assets:bank', asOf: new Date() };
`;

/** tsc's diagnostics for these files, as "file: message" lines. */
function typeCheck(dir: string, files: string[]): string[] {
  const program = ts.createProgram(
    files.map((file) => join(dir, file)),
    {
      strict: true,
      noEmit: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      skipLibCheck: true,
      types: [],
    },
  );
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file?.fileName.slice(dir.length + 1)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

beforeAll(async () => {
  generated = await generateClient();
  copyFileSync(join(CLIENT_DOCS, 'typed-use.ts'), join(generated.dir, 'typed-use.ts'));
  writeFileSync(join(generated.dir, 'wrong-use.ts'), WRONG);
  // The folder is ESM, as a client's own package would be.
  writeFileSync(join(generated.dir, 'package.json'), '{ "type": "module" }');
});
afterAll(() => generated?.dispose());

describe('codegen as docs/clients.md sets it up', () => {
  it('maps Decimal and DateTime to string in the generated types', () => {
    const types = readFileSync(join(generated.dir, 'gql/graphql.ts'), 'utf8');
    // DateTime (a variable) and Decimal (amount) as string, never unknown or any.
    expect(types).toContain('asOf?: string | null | undefined;');
    expect(types).toContain(
      'export type AccountBalanceQuery = { account: { code: string, balance: { posted: { amount: string, currency: string } } } | null };',
    );
  });

  it('type-checks the typed use, and refuses a Decimal used as a number or a Date as a DateTime', () => {
    const diagnostics = typeCheck(generated.dir, ['typed-use.ts', 'wrong-use.ts']);
    expect(diagnostics.filter((d) => !d.startsWith('wrong-use.ts'))).toEqual([]);
    expect(diagnostics).toHaveLength(2);
    expect(diagnostics[0]).toMatch(/^wrong-use\.ts: Type 'string' is not assignable to type 'number'/);
    expect(diagnostics[1]).toMatch(/^wrong-use\.ts: Type 'Date' is not assignable to type 'string'/);
  });
});
