// docs/clients/possible-types.ts
// Apollo's cache must know which types sit behind an interface or a union (`... on Error`,
// result unions): compute it from the SDL at build time, e.g. into a JSON file your app imports.
import { buildSchema, isAbstractType } from 'graphql';

export function possibleTypesOf(sdl: string): Record<string, string[]> {
  const schema = buildSchema(sdl);
  const possible: Record<string, string[]> = {};
  for (const type of Object.values(schema.getTypeMap())) {
    if (isAbstractType(type) && !type.name.startsWith('__'))
      possible[type.name] = schema.getPossibleTypes(type).map((member) => member.name);
  }
  return possible;
}
