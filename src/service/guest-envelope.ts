import { z } from 'zod';

/**
 * The prelude's reply is untrusted text written by code running next to the guest's. It is
 * parsed and validated here before any field is used; anything odd is an `internal` fault,
 * never a host crash.
 */
const GuestFailureSchema = z.object({
  kind: z.enum(['exception', 'invalid_result', 'compile']),
  name: z.string().max(1_000),
  message: z.string().max(20_000),
  stack: z.string().max(40_000).nullable(),
  thrown: z.enum(['error', 'value']),
  /** Set by the sandbox process, not the prelude (src/sandbox-host/worker/unhandled-rejection.ts). */
  subkind: z.enum(['unhandled_rejection']).optional(),
});

const EnvelopeSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), console: z.string(), result: z.unknown() }),
  z.object({ ok: z.literal(false), console: z.string(), failure: GuestFailureSchema }),
]);

export type GuestFailure = z.infer<typeof GuestFailureSchema>;
export type Envelope = z.infer<typeof EnvelopeSchema>;

export function parseEnvelope(text: string): Envelope | { invalid: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { invalid: 'The sandbox returned a reply that is not JSON.' };
  }
  const parsed = EnvelopeSchema.safeParse(raw);
  if (!parsed.success) return { invalid: 'The sandbox returned a reply of the wrong shape.' };
  return parsed.data;
}
