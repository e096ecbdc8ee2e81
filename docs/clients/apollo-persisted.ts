// docs/clients/apollo-persisted.ts
// Apollo Client sending hashes instead of query texts (docs/api.md, "Persisted operations").
import { ApolloClient, HttpLink, InMemoryCache } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';

/** SHA-256 in hex with the Web Crypto API, present in browsers and in Node 20. */
async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

function client(url: string, apiKey: string, persisted: PersistedQueryLink): ApolloClient {
  return new ApolloClient({
    link: persisted.concat(new HttpLink({ uri: url, headers: { Authorization: `Bearer ${apiKey}` } })),
    // As in apollo.ts; give it possibleTypes too once an operation spreads on an interface or union.
    cache: new InMemoryCache({ typePolicies: { Account: { keyFields: ['code'] } } }),
  });
}

/** Automatic Persisted Queries: the hash first, the text only when the server asks for it. */
export function apqClient(url: string, apiKey: string): ApolloClient {
  return client(url, apiKey, new PersistedQueryLink({ sha256 }));
}

/**
 * For a server with INKWELL_PERSISTED_ONLY=true: send the hash codegen put in each document
 * (presetConfig: { persistedDocuments: true }), the key of its persisted-documents.json.
 */
export function listedClient(url: string, apiKey: string): ApolloClient {
  const generateHash = (document: unknown) => {
    const hash = (document as { __meta__?: { hash?: string } }).__meta__?.hash;
    if (!hash) throw new Error('this document was not generated with persistedDocuments: it has no hash');
    return hash;
  };
  return client(url, apiKey, new PersistedQueryLink({ generateHash }));
}
