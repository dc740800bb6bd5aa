import { describe, expect, it } from 'vitest';
import type { ApiKeyScope, Role } from '../store/types.js';
import { principalCan, roleAtLeast, scopeAllows, type Principal } from './roles.js';

const user = (role: Role): Principal => ({ kind: 'user', userId: 'u1', workspaceId: 'ws-a', role });
const apiKey = (role: Role, scopes: ApiKeyScope[]): Principal => ({ kind: 'apiKey', keyId: 'k1', workspaceId: 'ws-a', role, scopes });

describe('roleAtLeast', () => {
  it('orders viewer < editor < admin < owner', () => {
    const order: Role[] = ['viewer', 'editor', 'admin', 'owner'];
    for (const [i, role] of order.entries()) {
      for (const [j, minimum] of order.entries()) expect(roleAtLeast(role, minimum), `${role} >= ${minimum}`).toBe(i >= j);
    }
  });

  it('fails closed for unknown roles on either side', () => {
    expect(roleAtLeast('root' as Role, 'viewer')).toBe(false);
    expect(roleAtLeast('owner', 'superuser' as Role)).toBe(false);
  });
});

describe('scopeAllows', () => {
  it.each([
    [['admin'], 'admin', true],
    [['admin'], 'write', true],
    [['admin'], 'read', true],
    [['admin'], 'chat', true],
    [['write'], 'read', true],
    [['write'], 'chat', false],
    [['write'], 'admin', false],
    [['read'], 'write', false],
    [['chat'], 'read', false],
    [['chat', 'read'], 'read', true],
    [[], 'read', false],
  ] as [ApiKeyScope[], ApiKeyScope, boolean][])('%j allows %s: %s', (scopes, needed, expected) => {
    expect(scopeAllows(scopes, needed)).toBe(expected);
  });

  it('ignores unknown scope strings', () => {
    expect(scopeAllows(['superuser' as ApiKeyScope], 'read')).toBe(false);
  });
});

describe('principalCan (A-11)', () => {
  it('gives users every scope their role allows', () => {
    expect(principalCan(user('viewer'), { scope: 'read' })).toEqual({ ok: true });
    expect(principalCan(user('viewer'), { scope: 'chat' })).toEqual({ ok: true });
    expect(principalCan(user('editor'), { scope: 'write' })).toEqual({ ok: true });
    expect(principalCan(user('admin'), { role: 'admin', scope: 'admin' })).toEqual({ ok: true });
    expect(principalCan(user('owner'), { role: 'owner' })).toEqual({ ok: true });
  });

  it('names the missing role', () => {
    expect(principalCan(user('editor'), { role: 'admin' })).toEqual({
      ok: false,
      code: 'forbidden',
      message: 'requires role admin or above (user has role editor)',
    });
  });

  it('names the missing scope for users', () => {
    const result = principalCan(user('viewer'), { scope: 'write' });
    expect(result).toEqual({ ok: false, code: 'forbidden', message: 'requires scope write, which role viewer does not allow' });
  });

  it('refuses a chat-scoped key on admin, write and read routes, naming the scope', () => {
    const chatKey = apiKey('owner', ['chat']);
    expect(principalCan(chatKey, { scope: 'chat' })).toEqual({ ok: true });
    for (const scope of ['admin', 'write', 'read'] as const) {
      const result = principalCan(chatKey, { role: 'admin', scope });
      expect(result.ok).toBe(false);
      expect(!result.ok && result.message).toBe(`requires scope ${scope} (API key has chat)`);
    }
  });

  it('lets an admin-scoped key do what its role allows', () => {
    const adminKey = apiKey('admin', ['admin']);
    expect(principalCan(adminKey, { role: 'admin', scope: 'admin' })).toEqual({ ok: true });
    expect(principalCan(adminKey, { scope: 'read' })).toEqual({ ok: true });
    expect(principalCan(adminKey, { role: 'owner' }).ok).toBe(false);
  });

  it('caps a key by its role: a viewer key marked admin cannot write', () => {
    const result = principalCan(apiKey('viewer', ['admin']), { scope: 'write' });
    expect(result).toEqual({ ok: false, code: 'forbidden', message: 'requires scope write, which role viewer does not allow' });
  });

  it('checks the role of a key too', () => {
    const result = principalCan(apiKey('editor', ['admin']), { role: 'admin' });
    expect(!result.ok && result.message).toBe('requires role admin or above (API key has role editor)');
  });

  it('reports a key with no scopes', () => {
    const result = principalCan(apiKey('owner', []), { scope: 'read' });
    expect(!result.ok && result.message).toBe('requires scope read (API key has no scopes)');
  });

  it('allows anything when the requirement is empty, and fails closed on a corrupt role', () => {
    expect(principalCan(user('viewer'), {})).toEqual({ ok: true });
    expect(principalCan(user('root' as Role), { scope: 'read' }).ok).toBe(false);
    expect(principalCan(user('root' as Role), { role: 'viewer' }).ok).toBe(false);
  });
});
