import { defineNode } from '@nexusflow/engine/sdk';

const POSITIVE = ['good', 'great', 'love', 'thanks', 'thank', 'awesome', 'happy', 'excellent', 'nice', 'perfect'];
const NEGATIVE = ['bad', 'terrible', 'hate', 'awful', 'angry', 'broken', 'worst', 'refund', 'slow', 'disappointed'];

export interface SentimentConfig {
  text?: string;
  extraPositive?: string[];
  extraNegative?: string[];
}

/** Counts listed words; a positive total leaves through `positive`, a negative one through `negative`. */
export function scoreText(text: string, positive: readonly string[], negative: readonly string[]) {
  const words = text.toLowerCase().match(/[a-z']+/g) ?? [];
  const plus = words.filter((w) => positive.includes(w));
  const minus = words.filter((w) => negative.includes(w));
  return { score: plus.length - minus.length, positive: plus, negative: minus };
}

export const sentiment = defineNode<SentimentConfig, 'positive' | 'negative' | 'neutral'>({
  run({ config, message }) {
    const text = config.text ?? message?.text ?? '';
    const result = scoreText(text, [...POSITIVE, ...(config.extraPositive ?? [])], [...NEGATIVE, ...(config.extraNegative ?? [])]);
    const port = result.score > 0 ? 'positive' : result.score < 0 ? 'negative' : 'neutral';
    return { port, output: result, vars: { mood: port } };
  },
});
