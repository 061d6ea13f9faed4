"""Recommendations from a language model behind an OpenAI-compatible
chat-completions endpoint (issue 11).

One job per module: `config` (the LLM_* settings, checked at start-up),
`prompt` (the versioned prompt and the answer's JSON schema), `client` (the
endpoint, on the official openai SDK, with its errors sorted into retryable
or not), `answers` (validating an answer, whatever the endpoint enforced),
`batches` (one batch asked, and asked again once for what was unusable;
batches run with bounded concurrency), `redaction` (the API key never leaves
the process) and `recommend` (the activity's work: ask for what is missing,
store each finished batch, fall back to rules with the reason)."""
