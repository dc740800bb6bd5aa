import { describe, expect, it } from 'vitest';
import { httpTargetOf, isCallDeclared } from './capability-check.js';

const declared = new Set(['kv', 'http:api.example.com', 'http:127.0.0.1:4100']);
const fetchCall = (url: unknown) => ({ capability: 'http', method: 'fetch', args: [url] });

describe('isCallDeclared', () => {
  it('allows declared capabilities and refuses the others', () => {
    expect(isCallDeclared({ capability: 'kv', method: 'get', args: ['k'] }, declared)).toBe(true);
    expect(isCallDeclared({ capability: 'secrets', method: 'get', args: ['k'] }, declared)).toBe(false);
  });

  it('allows http only to a declared host and port', () => {
    expect(isCallDeclared(fetchCall('https://api.example.com/v1/x?y=1'), declared)).toBe(true);
    expect(isCallDeclared(fetchCall('http://127.0.0.1:4100/decoy'), declared)).toBe(true);
  });

  it.each([
    ['another port of an allowed IP', 'http://127.0.0.1:3000/'],
    ['credentials in front of another host', 'http://api.example.com@127.0.0.1:4200/'],
    ['IPv6 loopback', 'http://[::1]:4100/'],
    ['decimal IP for a port not declared', 'http://2130706433:4200/'],
    ['octal IP for a port not declared', 'http://0177.0.0.1:4200/'],
    ['file URL', 'file:///etc/passwd'],
    ['gopher URL', 'gopher://127.0.0.1:4100/_x'],
    ['a subdomain of an allowed host', 'https://evil.api.example.com/'],
    ['a lookalike suffix', 'https://api.example.com.evil.test/'],
    ['not a string', { href: 'https://api.example.com/' }],
    ['not a URL', 'api.example.com/x'],
  ])('refuses %s before any connection (S-10)', (_why, url) => {
    expect(isCallDeclared(fetchCall(url), declared)).toBe(false);
  });

  it('normalizes the host the way a client would connect to it', () => {
    expect(httpTargetOf('HTTPS://API.EXAMPLE.COM:443/x')).toBe('api.example.com');
    expect(httpTargetOf('http://2130706433:4100/')).toBe('127.0.0.1:4100');
  });

  it('lets http:* reach any http(s) host, leaving the host list to the provider', () => {
    const anyHost = new Set(['http:*']);
    expect(isCallDeclared(fetchCall('https://anything.example/x'), anyHost)).toBe(true);
    expect(isCallDeclared(fetchCall('file:///etc/passwd'), anyHost)).toBe(false);
  });
});

