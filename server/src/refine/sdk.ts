// The Anthropic SDK, read when a model is first asked something. The CLI and the language server
// load it from its own bundle beside theirs (dist/anthropic.cjs, esbuild.mjs), so a command or a
// session that sends nothing to a model does not read or compile it: about 0.1 s of every start.
import type Anthropic from '@anthropic-ai/sdk';

export type Sdk = typeof Anthropic;

let sdk: Sdk | undefined;

/** The SDK's client class (its errors are its statics), read when first asked for. */
export async function anthropic(): Promise<Sdk> {
  return (sdk ??= (await import('@anthropic-ai/sdk')).Anthropic);
}

/**
 * The SDK once read, else undefined: an error can be one of the SDK's only after a request, which
 * reads the SDK first.
 */
export function loadedSdk(): Sdk | undefined {
  return sdk;
}
