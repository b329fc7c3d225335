/**
 * Which namespace a call's kv uses: the tool's own (`tool:<name>`), or the persona's shared
 * one (`persona`) when the tool declares it. Both live under the persona: no tool of another
 * persona can reach them. Tool names cannot contain `:`, so the two kinds never collide.
 */
export const SHARED_NAMESPACE = 'persona';

export function kvNamespace(toolName: string, shared: boolean): string {
  return shared ? SHARED_NAMESPACE : `tool:${toolName}`;
}
