// spdx-satisfies ships no types: whether an SPDX expression can be satisfied by a list of licence ids.
declare module 'spdx-satisfies' {
  function satisfies(expression: string, allowed: string[]): boolean;
  export default satisfies;
}
