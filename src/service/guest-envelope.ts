import { z } from 'zod';

/**
 * The prelude's reply is untrusted text written by code running next to the guest's. It is
 * parsed and validated here before any field is used; anything odd is an `internal` fault,
 * never a host crash. The caps are the prelude's own (sandbox/prelude/), with room to spare.
 */
const ThrownValueSchema = z.object({ type: z.string().max(20), json: z.string().max(20_000) });

/** An error linked to the failure (cause, member), as sandbox/prelude/envelope.ts describes it. */
export interface GuestLinkedError {
  name: string;
  message: string;
  stack: string | null;
  value?: z.infer<typeof ThrownValueSchema> | undefined;
  properties?: string | undefined;
  cause?: GuestLinkedError | undefined;
  errors?: GuestLinkedError[] | undefined;
  errorsOmitted?: number | undefined;
  circular?: true | undefined;
}

/** Deeper than the prelude ever nests (its budget is 16 linked errors in all). */
const MAX_LINK_DEPTH = 20;

const linkedFields = (depth: number) => ({
  value: ThrownValueSchema.optional(),
  properties: z.string().max(30_000).optional(),
  cause: depth < MAX_LINK_DEPTH ? z.lazy(() => linkedSchema(depth + 1)).optional() : z.undefined(),
  errors: depth < MAX_LINK_DEPTH ? z.array(z.lazy(() => linkedSchema(depth + 1))).max(20).optional() : z.undefined(),
  errorsOmitted: z.number().int().nonnegative().optional(),
});

function linkedSchema(depth: number): z.ZodType<GuestLinkedError> {
  return z.object({
    name: z.string().max(1_000),
    message: z.string().max(20_000),
    stack: z.string().max(40_000).nullable(),
    circular: z.literal(true).optional(),
    ...linkedFields(depth),
  });
}

const GuestFailureSchema = z.object({
  kind: z.enum(['exception', 'invalid_result', 'compile']),
  name: z.string().max(1_000),
  message: z.string().max(20_000),
  stack: z.string().max(40_000).nullable(),
  thrown: z.enum(['error', 'value']),
  /** Set by the sandbox process, not the prelude (src/sandbox-host/worker/unhandled-rejection.ts). */
  subkind: z.enum(['unhandled_rejection']).optional(),
  ...linkedFields(0),
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
