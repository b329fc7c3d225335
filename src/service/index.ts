export { createChameleon, type Chameleon, type PersonaScope } from './chameleon.js';
export type { CreateToolInput, UpdateToolInput, WriteOutcome, ToolDetails, ToolListing } from './authoring.js';
export type { RunOutcome } from './running.js';
export type { TypeReport } from './type-diagnostics.js';
export type { ToolView, VersionView, LastErrorView } from './views.js';
export { RESERVED_TOOL_NAMES } from './names.js';
export type { CallNode } from './call-trace.js';
export type { FailureGroup, FailureOccurrences } from './failure-groups.js';
export type { MetadataChange, VersionDiff, VersionSide } from './version-diff.js';
