import { hasAnyRole, isRole } from './roles';

describe('roles', () => {
  it('lets a principal through when it holds one of the required roles', () => {
    expect(hasAnyRole({ subject: 'a', roles: ['agent'] }, ['agent', 'supervisor'])).toBe(true);
    expect(hasAnyRole({ subject: 'a', roles: ['agent'] }, ['supervisor'])).toBe(false);
  });

  it('lets admins through every role check', () => {
    expect(hasAnyRole({ subject: 'root', roles: ['admin'] }, ['ops'])).toBe(true);
  });

  it('needs no role when none is required', () => {
    expect(hasAnyRole({ subject: 'x', roles: [] }, [])).toBe(true);
  });

  it('knows the five roles and nothing else', () => {
    expect(['agent', 'supervisor', 'admin', 'ops', 'service'].every(isRole)).toBe(true);
    expect(isRole('root')).toBe(false);
  });
});
