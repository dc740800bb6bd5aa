import { benchLlm } from '../providers/llm/llm-bench.js';

/** The nodes part of `npm run bench`: what an LLM step adds over the SDK, against the local wire server. */
async function main(): Promise<void> {
  console.log('Nexus Flow nodes benchmarks');
  await benchLlm();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
