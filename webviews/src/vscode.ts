// The webview's handle on VS Code: messages to the host and state kept while the panel is hidden.
// Tests stand in for acquireVsCodeApi with a recorder.

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export interface Host<State, Out> {
  post(message: Out): void;
  state(): State | undefined;
  save(state: State): void;
}

/** Call once per page (VS Code allows one acquireVsCodeApi call). */
export function connectHost<State, Out>(): Host<State, Out> {
  const api = acquireVsCodeApi();
  return {
    post: (m) => api.postMessage(m),
    state: () => (api.getState() as State | undefined) ?? undefined,
    save: (s) => api.setState(s),
  };
}
