export { createChameleon, type Chameleon, type PersonaScope } from './chameleon.js';
export type { CreateToolInput, UpdateToolInput, WriteOutcome, ToolDetails, ToolListing } from './authoring.js';
export type { RunOutcome, RunUsage } from './running.js';
export type { ProgressSink } from './progress-relay.js';
export type { ToolView, VersionView, LastErrorView } from './views.js';
export { RESERVED_TOOL_NAMES } from './names.js';
export type { CallNode } from './call-trace.js';
