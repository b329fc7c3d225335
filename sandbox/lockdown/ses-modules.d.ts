/*
 * Types for the two modules of SES (the `ses` npm package, pinned in package.json) that the
 * lockdown imports: its permits (the allow-list of every intrinsic and property) and its
 * repair of the override mistake. scripts/build.mjs bundles them from node_modules/ses/src into
 * dist/sandbox/lockdown.js; their package exports do not name them, so the build resolves them.
 */
declare module 'ses/src/permits.js' {
  /** A permit: a record of sub-permits, a primitive type name, an intrinsic name, false, or an accessor pair. */
  export type Permit = string | false | PermitRecord | { get: Permit; set: Permit };
  export interface PermitRecord {
    [key: string]: Permit;
  }
  export const constantProperties: Record<string, unknown>;
  export const universalPropertyNames: Record<string, string>;
  export const initialGlobalPropertyNames: Record<string, string>;
  export const sharedGlobalPropertyNames: Record<string, string>;
  export const uniqueGlobalPropertyNames: Record<string, string>;
  export const FunctionInstance: PermitRecord;
  export const permitted: PermitRecord;
  export function isAccessorPermit(permit: unknown): permit is { get: Permit; set: Permit };
}

declare module 'ses/src/enable-property-overrides.js' {
  /**
   * SES's repair of the override mistake: each enabled data property becomes an accessor pair
   * whose setter defines the property on the instance, and whose getter carries the original
   * value as `originalValue`, so that hardening reaches (and freezes) it.
   */
  export default function enablePropertyOverrides(intrinsics: Record<string, unknown>, overrideTaming: 'min' | 'moderate' | 'severe', reporter: { warn(...args: unknown[]): void }, overrideDebug?: string[]): void;
}
