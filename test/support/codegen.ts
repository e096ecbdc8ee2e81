/**
 * Runs GraphQL Code Generator as docs/clients.md configures it (docs/clients/codegen.ts) on the
 * checked-in SDL and the doc's typed operation, into a temp folder: the generated types, and the
 * persisted-documents.json that INKWELL_PERSISTED_OPERATIONS reads.
 */
import { copyFileSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generate } from '@graphql-codegen/cli';
import config from '../../docs/clients/codegen.js';

const ROOT = resolve(import.meta.dirname, '../..');
export const CLIENT_DOCS = join(ROOT, 'docs/clients');

export interface Generated {
  dir: string;
  /** The list codegen wrote: { "sha256:<hex>": "<document>" }. */
  persistedDocuments: string;
  dispose(): void;
}

/** Generates into a fresh folder holding the doc's operation files and a link to node_modules. */
export async function generateClient(files: string[] = ['typed-operations.ts']): Promise<Generated> {
  const dir = mkdtempSync(join(tmpdir(), 'inkwell-codegen-'));
  for (const file of files) copyFileSync(join(CLIENT_DOCS, file), join(dir, file));
  // tsc resolves the generated code's imports (@graphql-typed-document-node/core) from here.
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  const [output] = Object.values(config.generates);
  await generate(
    {
      ...config,
      schema: join(ROOT, 'schema/schema.graphql'),
      documents: files.map((file) => join(dir, file)),
      generates: { [join(dir, 'gql/')]: output! },
      silent: true,
    },
    true,
  );
  return {
    dir,
    persistedDocuments: join(dir, 'gql/persisted-documents.json'),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
