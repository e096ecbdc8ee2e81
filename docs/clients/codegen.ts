// docs/clients/codegen.ts
// codegen.ts: typed operations from Inkwell's schema with GraphQL Code Generator's client preset.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  // The checked-in SDL; a running server works too: { 'http://localhost:4000/graphql': { headers: … } }.
  schema: 'schema/schema.graphql',
  documents: ['src/**/*.ts'],
  generates: {
    'src/gql/': {
      preset: 'client',
      // Also writes persisted-documents.json, the list INKWELL_PERSISTED_OPERATIONS reads.
      presetConfig: { persistedDocuments: true },
      config: {
        // Amounts and times travel as strings: never let them become numbers or Dates.
        scalars: { Decimal: 'string', DateTime: 'string', JSON: 'unknown' },
        // A scalar added to the schema later fails the generation instead of becoming `any`.
        strictScalars: true,
        useTypeImports: true,
        // ESM with "moduleResolution": "NodeNext" needs the extension on relative imports.
        importExtension: '.js',
      },
    },
  },
};

export default config;
