import type { z } from 'zod';

/** A schema failure as one line: "path: message; path: message" (the root named by `root`). */
export function describeIssues(error: z.ZodError, root = '(root)'): string {
  return error.issues.map((i) => `${i.path.join('.') || root}: ${i.message}`).join('; ');
}
