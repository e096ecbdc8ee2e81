/** Roles and API key names: pure rules. */
import { describe, expect, it } from 'vitest';
import { checkKeyName, checkRole, ROLE_PERMISSIONS, ROLES } from '../../src/domain/access.js';
import { ValidationError } from '../../src/domain/errors.js';

describe('roles', () => {
  it('every role reads; only admin administers; posting and auditing are separate rights', () => {
    for (const role of ROLES) expect(ROLE_PERMISSIONS[role]).toContain('read');
    expect(ROLES.filter((r) => ROLE_PERMISSIONS[r].includes('admin'))).toEqual(['admin']);
    expect(ROLES.filter((r) => ROLE_PERMISSIONS[r].includes('post'))).toEqual(['writer', 'admin']);
    expect(ROLES.filter((r) => ROLE_PERMISSIONS[r].includes('audit'))).toEqual(['auditor', 'admin']);
  });

  it.each(['root', 'Admin', '', 'admin ', 'readers'])('refuses the role %j', (role) => {
    expect(() => checkRole(role)).toThrow(ValidationError);
  });
});

describe('API key names', () => {
  it.each(['a', 'payments-service', 'ci.bot_2', '0', 'x'.repeat(64)])('accepts %j', (name) => {
    expect(checkKeyName(name)).toBe(name);
  });

  it.each(['anonymous', 'cli', 'startup', 'system', 'test'])('refuses the reserved name %j', (name) => {
    expect(() => checkKeyName(name)).toThrow(/reserved/);
  });

  it.each([
    '',
    'Upper',
    'has space',
    '-leading',
    '.dot',
    'x'.repeat(65),
    'tab\tname',
    'émile',
    'a/b',
    "o'brien",
    'a:b',
  ])('refuses %j', (name) => {
    expect(() => checkKeyName(name)).toThrow(/API key name/);
  });
});
