/**
 * The facts of a failure beyond its own frames (model.ts FailureFacts): the thrown value when
 * it was not an Error, the error's properties, its cause chain and an AggregateError's members,
 * each linked error with its own stack mapped into the agent's lines.
 *
 * What the prelude sent was validated by shape (guest-envelope.ts); here it is bounded in
 * number too, and the properties' JSON text is parsed into plain data.
 */
import type { FailureFacts, LinkedError, ThrownValue } from '../model.js';
import { mapStack } from '../traceback/map-stack.js';
import type { FailureContext } from './failures.js';
import type { GuestLinkedError } from './guest-envelope.js';

/** Linked errors mapped per failure, all levels together (the prelude sends at most 16). */
const MAX_LINKED = 32;

type GuestFacts = Pick<GuestLinkedError, 'value' | 'properties' | 'cause' | 'errors' | 'errorsOmitted'>;

export async function factsFromGuest(guest: GuestFacts, ctx: FailureContext): Promise<FailureFacts> {
  return factsOf(guest, ctx, { left: MAX_LINKED });
}

async function factsOf(guest: GuestFacts, ctx: FailureContext, budget: { left: number }): Promise<FailureFacts> {
  const facts: FailureFacts = {};
  if (guest.value !== undefined) facts.thrown = thrownValue(guest.value);
  const properties = parseProperties(guest.properties);
  if (properties !== undefined) facts.properties = properties;
  if (guest.cause !== undefined) {
    const cause = await linked(guest.cause, ctx, budget);
    if (cause !== null) facts.cause = cause;
  }
  if (guest.errors !== undefined) {
    const errors: LinkedError[] = [];
    for (const member of guest.errors) {
      const one = await linked(member, ctx, budget);
      if (one === null) break;
      errors.push(one);
    }
    facts.errors = errors;
    const omitted = (guest.errorsOmitted ?? 0) + guest.errors.length - errors.length;
    if (omitted > 0) facts.errorsOmitted = omitted;
  }
  return facts;
}

async function linked(guest: GuestLinkedError, ctx: FailureContext, budget: { left: number }): Promise<LinkedError | null> {
  if (budget.left <= 0) return null;
  budget.left--;
  const { frames } = await mapStack({
    stack: guest.stack,
    persona: ctx.persona,
    resolveVersion: ctx.resolveVersion,
    cache: ctx.sourceMaps,
    message: guest.message,
  });
  return {
    name: guest.name,
    message: guest.message,
    frames,
    ...(guest.circular === true ? { circular: true as const } : {}),
    ...(await factsOf(guest, ctx, budget)),
  };
}

function thrownValue(value: ThrownValue): ThrownValue {
  return { type: value.type, json: value.json };
}

/** The properties object the prelude wrote as JSON text; anything else is dropped. */
function parseProperties(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    // A null-prototype copy: keys such as __proto__ stay plain data on the host.
    return Object.assign(Object.create(null) as Record<string, unknown>, parsed);
  } catch {
    return undefined;
  }
}
