import { median, report } from '../bench/fixtures.js';
import { compileTemplates } from './compile-templates.js';
import { evaluateExpression } from './evaluate-expression.js';

const scope = {
  message: { text: 'hi' },
  vars: { name: 'Ada', persona: 'You are a friendly support agent.', count: 3 },
  nodes: { ask: { output: { answer: 42 } } },
  contact: { id: 'c1' },
};

/** Median cost of one call of `work`, in microseconds, over `rounds` rounds of `calls` calls. */
async function microsecondsPerCall(work: () => Promise<unknown>, calls = 20_000, rounds = 7): Promise<number> {
  for (let i = 0; i < 2_000; i += 1) await work();
  const perCall: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const started = performance.now();
    for (let i = 0; i < calls; i += 1) await work();
    perCall.push(((performance.now() - started) * 1000) / calls);
  }
  return median(perCall);
}

/**
 * Cost of a cached expression and of a rendered config, for `npm run bench` (add it to
 * bench/run-all.ts). Prints figures; asserts nothing.
 */
export async function benchExpressions(): Promise<void> {
  const simple = await microsecondsPerCall(() => evaluateExpression('message.text = "hi"', scope));
  report('expression, cached, simple', { us_per_eval: simple });
  const render = compileTemplates({
    provider: 'openai',
    model: 'gpt-4o-mini',
    system: '{{ vars.persona }}',
    greeting: 'Hi {{ vars.name }}, you have {{ vars.count }} credits left.',
    stream: true,
  });
  if (render === undefined) throw new Error('the bench config holds templates');
  const rendered = await microsecondsPerCall(() => render(scope));
  report('config render, 3 templates', { us_per_render: rendered });
}
