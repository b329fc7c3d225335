// The parts of maintained libraries the realm bundles eagerly. Plain JavaScript so that
// TypeScript reads vendor.d.ts beside it instead of the packages' own types (@exodus/bytes'
// reference Node's, which the sandbox must not see); scripts/build.mjs bundles the real code.
export { utf8fromStringLoose, utf8toString, utf8toStringLoose } from '@exodus/bytes/utf8.js';
