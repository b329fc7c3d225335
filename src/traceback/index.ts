/** Stack traces in the agent's own source: parse V8 stacks, map them, format them. */
export { codeFrame } from './code-frame.js';
export { RAW_STACK_MARKER, formatFrame, formatTraceback, type TracebackInput } from './format.js';
export { mapStack, type MapStackInput, type MappedStack, type ResolvedVersion } from './map-stack.js';
export {
  MAX_FRAME_LINES,
  MAX_LINE_LENGTH,
  parseV8Stack,
  type ParseOptions,
  type RawFrame,
} from './parse-stack.js';
export {
  oneBasedColumn,
  oneBasedLine,
  toOneBasedColumn,
  toZeroBasedColumn,
  zeroBasedColumn,
  type OneBasedColumn,
  type OneBasedLine,
  type ZeroBasedColumn,
} from './positions.js';
export {
  DEFAULT_MAX_SOURCE_MAPS,
  SourceMapCache,
  sourceMapKey,
  type OriginalPosition,
  type SourceMapCacheOptions,
} from './source-maps.js';
export { sourceLineAt } from './source-lines.js';
export {
  PRELUDE_FILENAME,
  parseVirtualFilename,
  virtualFilename,
  type VirtualFile,
} from './virtual-filename.js';
