// The entry of dist/anthropic.cjs (esbuild.mjs): the SDK's client class, which sdk.ts reads.
export { Anthropic } from '@anthropic-ai/sdk';
