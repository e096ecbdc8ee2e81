// docs/clients/typed-operations.ts
// An operation written with the generated graphql() function: its result and variables are typed.
import { graphql } from './gql/index.js';

export const AccountBalance = graphql(`
  query AccountBalance($code: String!, $asOf: DateTime) {
    account(code: $code) { code balance(asOf: $asOf) { posted { amount currency } } }
  }
`);
