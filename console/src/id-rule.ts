/**
 * Pure: the provider's id rule, as served by `GET /providers` (`idPattern`, a JavaScript regular-expression
 * source), checked in the page while the user types. The server enforces the same rule; checking it here only
 * saves a request and says what is wrong in words. The pattern is always compiled with the `u` flag: Adobe's
 * rule uses `\p{L}`, and with `u` a quantifier counts characters, not UTF-16 units, as the server does.
 */
import type { ProviderInfo } from './model.js';

export interface IdRule {
  /** The compiled rule, or null when this browser cannot compile it (the server still checks). */
  pattern: RegExp | null;
  source: string;
  /** The rule in words ("5 to 100 characters: Latin letters, digits and hyphens"), when the pattern is simple. */
  summary: string | null;
  /** One allowed character, for naming the ones that are not. */
  allowedChar: RegExp | null;
  minLength: number | null;
  maxLength: number | null;
}

export type IdCheck =
  | { ok: true; id: string }
  /** `empty`: nothing typed yet; the page shows no error while typing, only on submit. */
  | { ok: false; empty: boolean; message: string };

/** `new RegExp(source, 'u')` plus the gateway's extra flags (never `g`/`y`, which make `test` stateful). */
export function compilePattern(source: string, flags = ''): RegExp | null {
  const extra = [...new Set(flags.replace(/[^dimsv]/g, ''))].join('');
  try {
    return new RegExp(source, extra.includes('v') ? extra : `u${extra}`);
  } catch {
    return null;
  }
}

const CLASS_PARTS: [RegExp, string][] = [
  [/^A-Za-z|^a-zA-Z/, 'Latin letters'],
  [/^A-Z/, 'capital letters A–Z'],
  [/^a-z/, 'lower-case letters a–z'],
  [/^\\p\{L\}|^\\p\{Letter\}/, 'letters of any alphabet'],
  [/^0-9|^\\d/, 'digits'],
  [/^\\?-/, 'hyphens (-)'],
  [/^\\?_/, 'underscores (_)'],
  [/^\\?\./, 'dots (.)'],
];

export function idRuleOf(provider: Pick<ProviderInfo, 'idPattern' | 'idPatternFlags'>): IdRule {
  const source = provider.idPattern;
  const pattern = compilePattern(source, provider.idPatternFlags);
  const rule: IdRule = { pattern, source, summary: null, allowedChar: null, minLength: null, maxLength: null };
  // The shape every provider's id rule has: one character class, a length range, anchored at both ends.
  const shape = /^\^\[([^\]]+)\](?:\{(\d+)(?:(,)(\d*))?\}|(\+)|(\*))\$$/.exec(source);
  if (pattern === null || shape === null) return rule;
  const [, charClass = '', min, comma, max, plus, star] = shape;

  const parts: string[] = [];
  let rest = charClass;
  while (rest !== '') {
    const part = CLASS_PARTS.find(([token]) => token.test(rest));
    if (!part) return rule;
    const [token, words] = part;
    rest = rest.replace(token, '');
    if (!parts.includes(words)) parts.push(words);
  }
  rule.allowedChar = compilePattern(`^[${charClass}]$`, provider.idPatternFlags);
  if (rule.allowedChar === null) return rule;

  if (plus) rule.minLength = 1;
  else if (star) rule.minLength = 0;
  else {
    rule.minLength = Number(min);
    rule.maxLength = comma ? (max ? Number(max) : null) : Number(min);
  }
  rule.summary = `${lengthWords(rule.minLength, rule.maxLength)}: ${joinWords(parts)}`;
  return rule;
}

function lengthWords(min: number, max: number | null): string {
  if (max === null) return min <= 1 ? 'Any number of characters' : `At least ${min} characters`;
  if (min === max) return `Exactly ${min} characters`;
  return `${min} to ${max} characters`;
}

function joinWords(words: string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/** The id the page sends: surrounding whitespace dropped (pasted ids often carry some), NFC as the server keys it. */
export const cleanId = (input: string): string => input.trim().normalize('NFC');

/** Checks a typed id against the provider's rule; the message names what is wrong when it can. */
export function checkId(input: string, rule: IdRule | null, providerName: string): IdCheck {
  const id = cleanId(input);
  if (id === '') return { ok: false, empty: true, message: 'Enter a customer id.' };
  if (id === '.' || id === '..') return { ok: false, empty: false, message: `“${id}” cannot be a customer id.` };
  if (!rule?.pattern || rule.pattern.test(id)) return { ok: true, id };

  const problems: string[] = [];
  const chars = [...id];
  if (rule.allowedChar !== null) {
    const allowed = rule.allowedChar;
    const refused = [...new Set(chars.filter((c) => !allowed.test(c)))];
    if (refused.length > 0) {
      const named = refused.slice(0, 3).map(nameChar).join(', ');
      problems.push(
        refused.length === 1
          ? `${named} is not allowed`
          : `${named}${refused.length > 3 ? ' and others' : ''} are not allowed`,
      );
    }
  }
  if (rule.minLength !== null && chars.length < rule.minLength)
    problems.push(`it is too short (${chars.length} of at least ${rule.minLength} characters)`);
  if (rule.maxLength !== null && chars.length > rule.maxLength)
    problems.push(`it is too long (${chars.length} of at most ${rule.maxLength} characters)`);

  const what = `Not a valid ${providerName} customer id`;
  if (problems.length === 0 || rule.summary === null) {
    return { ok: false, empty: false, message: `${what}: it must match the rule ${rule.source}.` };
  }
  // The rule itself (`summary`) is on screen beside the field; the message says only what is wrong.
  return { ok: false, empty: false, message: `${what}: ${problems.join('; ')}.` };
}

function nameChar(c: string): string {
  if (c === ' ') return 'a space';
  if (/^[\p{L}\p{N}\p{P}\p{S}]$/u.test(c)) return `“${c}”`;
  return `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}
