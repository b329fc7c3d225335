/** UTF-8 bytes of a string, lone surrogates as U+FFFD (the WHATWG encoder). */
export function utf8fromStringLoose(text: string): Uint8Array;
/** The WHATWG UTF-8 decoder in fatal mode (throws TypeError on malformed input); keeps a BOM. */
export function utf8toString(bytes: Uint8Array): string;
/** The WHATWG UTF-8 decoder with replacement (U+FFFD per maximal subpart); keeps a BOM. */
export function utf8toStringLoose(bytes: Uint8Array): string;
