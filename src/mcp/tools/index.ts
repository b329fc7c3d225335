import { RESERVED_TOOL_NAMES } from '../../service/index.js';
import type { MetaTool } from '../meta-tool.js';
import { createToolTool } from './create-tool.js';
import { deleteToolTool } from './delete-tool.js';
import { editToolTool } from './edit-tool.js';
import { getExecutionTool } from './get-execution.js';
import { getLastErrorTool } from './get-last-error.js';
import { getToolTool } from './get-tool.js';
import { listExecutionsTool } from './list-executions.js';
import { listToolsTool } from './list-tools.js';
import { rollbackToolTool } from './rollback-tool.js';
import { runToolTool } from './run-tool.js';
import { updateToolTool } from './update-tool.js';

/** The built-in tools, in the order clients list them. */
export const META_TOOLS: readonly MetaTool[] = [
  createToolTool,
  updateToolTool,
  editToolTool,
  getToolTool,
  listToolsTool,
  rollbackToolTool,
  deleteToolTool,
  runToolTool,
  getLastErrorTool,
  listExecutionsTool,
  getExecutionTool,
];

// A stored tool must never shadow a meta-tool: the service refuses reserved names.
for (const tool of META_TOOLS) {
  if (!RESERVED_TOOL_NAMES.has(tool.name)) throw new Error(`meta-tool ${tool.name} is missing from RESERVED_TOOL_NAMES`);
}
