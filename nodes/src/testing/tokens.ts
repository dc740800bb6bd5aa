import { decodeGenerator, encode } from 'gpt-tokenizer';

/** A run of whole tokens that decodes to complete UTF-8 characters (usually exactly one token). */
export interface TokenPiece {
  readonly text: string;
  /** How many token ids this piece covers. */
  readonly tokens: number;
}

// Special-token strings such as "<|endoftext|>" count as plain text instead of throwing.
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/** Encodes text with the o200k_base vocabulary (gpt-tokenizer's default). */
export function encodeText(text: string): number[] {
  return text.length === 0 ? [] : encode(text, PLAIN_TEXT);
}

/** The fake server's deterministic token counter: `encode(text).length` with o200k_base. */
export function countTokens(text: string): number {
  return encodeText(text).length;
}

/**
 * Splits token ids into pieces, one per token except where a character's bytes span several
 * tokens (some emoji, rare scripts): those tokens are merged so every piece is valid text.
 * gpt-tokenizer's decoder is a shared, stateful TextDecoder, so decoding a lone partial token
 * would leave dangling bytes behind for the next caller; decoding the whole run lazily and
 * counting how many ids the generator pulled before each yield avoids that.
 */
export function toPieces(ids: readonly number[]): TokenPiece[] {
  let pulled = 0;
  function* counted(): Generator<number> {
    for (const id of ids) {
      pulled += 1;
      yield id;
    }
  }
  const pieces: TokenPiece[] = [];
  let consumed = 0;
  for (const text of decodeGenerator(counted())) {
    pieces.push({ text, tokens: pulled - consumed });
    consumed = pulled;
  }
  return pieces;
}

/** Tokenizes text into pieces. */
export function tokenize(text: string): TokenPiece[] {
  return toPieces(encodeText(text));
}

/** Takes whole pieces while their token total stays within `limit`. */
export function takeTokens(pieces: readonly TokenPiece[], limit: number): TokenPiece[] {
  const out: TokenPiece[] = [];
  let used = 0;
  for (const piece of pieces) {
    if (used + piece.tokens > limit) break;
    out.push(piece);
    used += piece.tokens;
  }
  return out;
}

/** Sum of the token counts of pieces. */
export function tokensIn(pieces: readonly TokenPiece[]): number {
  return pieces.reduce((sum, p) => sum + p.tokens, 0);
}
