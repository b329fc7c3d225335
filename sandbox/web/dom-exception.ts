/*
 * DOMException: the error the Web APIs throw for their own conditions (AbortError,
 * DataCloneError, QuotaExceededError, ...). An Error subclass, as in Node and browsers, so
 * `instanceof Error`, stacks and the sandbox's failure reports treat it as any other error.
 */
import { toDOMString } from './webidl.js';

/** Legacy numeric codes of the names that have one (WebIDL); every other name has 0. */
const LEGACY_CODES: ReadonlyArray<readonly [string, string, number]> = Object.freeze([
  ['IndexSizeError', 'INDEX_SIZE_ERR', 1],
  ['HierarchyRequestError', 'HIERARCHY_REQUEST_ERR', 3],
  ['WrongDocumentError', 'WRONG_DOCUMENT_ERR', 4],
  ['InvalidCharacterError', 'INVALID_CHARACTER_ERR', 5],
  ['NoModificationAllowedError', 'NO_MODIFICATION_ALLOWED_ERR', 7],
  ['NotFoundError', 'NOT_FOUND_ERR', 8],
  ['NotSupportedError', 'NOT_SUPPORTED_ERR', 9],
  ['InvalidStateError', 'INVALID_STATE_ERR', 11],
  ['SyntaxError', 'SYNTAX_ERR', 12],
  ['InvalidModificationError', 'INVALID_MODIFICATION_ERR', 13],
  ['NamespaceError', 'NAMESPACE_ERR', 14],
  ['InvalidAccessError', 'INVALID_ACCESS_ERR', 15],
  ['TypeMismatchError', 'TYPE_MISMATCH_ERR', 17],
  ['SecurityError', 'SECURITY_ERR', 18],
  ['NetworkError', 'NETWORK_ERR', 19],
  ['AbortError', 'ABORT_ERR', 20],
  ['URLMismatchError', 'URL_MISMATCH_ERR', 21],
  ['QuotaExceededError', 'QUOTA_EXCEEDED_ERR', 22],
  ['TimeoutError', 'TIMEOUT_ERR', 23],
  ['InvalidNodeTypeError', 'INVALID_NODE_TYPE_ERR', 24],
  ['DataCloneError', 'DATA_CLONE_ERR', 25],
] as const);

function legacyCode(name: string): number {
  for (const [known, , code] of LEGACY_CODES) if (known === name) return code;
  return 0;
}

export class DOMException extends Error {
  readonly #name: string;
  readonly #code: number;

  constructor(message: unknown = '', name: unknown = 'Error') {
    super(toDOMString(message));
    this.#name = toDOMString(name);
    this.#code = legacyCode(this.#name);
  }

  // Getters, as in Node and browsers: V8 formats the stack's first line when it is first read.
  override get name(): string {
    return this.#name;
  }

  get code(): number {
    return this.#code;
  }
}

for (const [, constant, code] of LEGACY_CODES) {
  const property = { value: code, writable: false, enumerable: true, configurable: false };
  Object.defineProperty(DOMException, constant, property);
  Object.defineProperty(DOMException.prototype, constant, property);
}
