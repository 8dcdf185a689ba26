// "ARL: Suggest Categories" in the server: the proposals and the file they would make. The client
// shows the difference and applies it only on accept. The LLM is off in untrusted workspaces.
import type { Analysis } from '../../engine/analyze';
import { readContext } from '../../labels/run';
import { applyCategories, offlineCategories, type CategoryProposal } from '../../refine/categories';
import { askCategories } from '../../refine/categorize';
import { defaultModel } from '../../refine/models';
import type { SuggestCategoriesParams, SuggestCategoriesResult } from '../protocol';
import { restrictedMessage, type Trust } from '../trust';

export async function suggestCategories(a: Analysis, p: SuggestCategoriesParams, trust: Trust, signal: AbortSignal): Promise<SuggestCategoriesResult> {
  const out: SuggestCategoriesResult = { proposals: [], problems: [], tokens: { input: 0, output: 0 } };
  let proposals: CategoryProposal[];
  if (p.proposer === 'offline') proposals = offlineCategories(a);
  else {
    if (!trust.trusted) return { ...out, error: { code: 'untrusted', message: restrictedMessage } };
    const apiKey = process.env.ANTHROPIC_API_KEY;
    if (!apiKey) return { ...out, error: { code: 'auth', message: 'No Anthropic API key: run "ARL: Set Anthropic API Key" (or set ANTHROPIC_API_KEY for the CLI).' } };
    const access = trust.analyzeOptions(a.path).access;
    const context = a.data && access ? await readContext(a, access) : { text: '' };
    const r = await askCategories(a, 'text' in context ? context.text : '', { apiKey, baseURL: p.baseUrl || undefined, model: p.model ?? defaultModel, signal });
    out.tokens = r.tokens;
    out.problems = r.problems;
    if (r.error) return { ...out, error: { code: r.error.code, message: r.error.message } };
    proposals = r.proposals;
  }
  try {
    return { ...out, proposals, text: applyCategories(a.parse.text, proposals) };
  } catch (e) {
    return { ...out, proposals, error: { code: 'not-applicable', message: (e as Error).message } };
  }
}
