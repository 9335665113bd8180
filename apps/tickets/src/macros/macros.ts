import { z } from 'zod';
import { handle, NOTE_TEXT_MAX } from '@journey/contracts';

/**
 * A macro: a canned reply an agent inserts with one click (and edits before sending), with what sending
 * it also does — the status it sets and the tags it adds — as Zendesk's and Chatwoot's macros do.
 */
export const macroSchema = z
  .object({
    id: handle,
    title: z.string().trim().min(1).max(120),
    text: z.string().trim().min(1).max(NOTE_TEXT_MAX),
    /** The ticket's status once the reply is sent (e.g. pending: waiting for the customer). */
    status: z.enum(['open', 'pending', 'on-hold', 'solved']).optional(),
    tags: z.array(z.string().min(1).max(64)).max(20).default([]),
    /** Shown to these groups' agents only (none: to everyone). */
    groups: z.array(handle).max(50).default([]),
  })
  .strict();
export type Macro = z.infer<typeof macroSchema>;

export const macrosSchema = z
  .array(macroSchema)
  .max(500)
  .refine((macros) => new Set(macros.map((m) => m.id)).size === macros.length, 'macro ids must be unique');
