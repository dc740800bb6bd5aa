import { bench, describe } from 'vitest';
import { compileTemplates } from './compile-templates.js';
import { evaluateExpression } from './evaluate-expression.js';

// Run: npx vitest bench --project engine --run engine/src/expressions
const scope = {
  message: { text: 'hi' },
  vars: { name: 'Ada', persona: 'You are a friendly support agent.', count: 3 },
  nodes: { ask: { output: { answer: 42 } } },
  contact: { id: 'c1' },
};

const render = compileTemplates({
  provider: 'openai',
  model: 'gpt-4o-mini',
  system: '{{ vars.persona }}',
  greeting: 'Hi {{ vars.name }}, you have {{ vars.count }} credits left.',
  stream: true,
});

describe('expressions', () => {
  bench('evaluate a cached simple expression: message.text = "hi"', async () => {
    await evaluateExpression('message.text = "hi"', scope);
  });

  bench('render a config with three templates', async () => {
    await render?.(scope);
  });
});
