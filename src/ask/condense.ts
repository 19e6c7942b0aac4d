import { z } from 'zod';
import { errorMessage } from '../errors.js';
import { parseJsonReply, type LlmClient } from '../stores/llm.js';
import { condenseMessages, type PromptTurn } from './prompts.js';

/** A previous turn: what the follow-up may refer to. */
export interface HistoryTurn extends PromptTurn {
  /** The standalone form of that turn's question, when known (better than the raw question). */
  standalone?: string | null;
}

export interface Condensed {
  /** The standalone question to route and answer. */
  question: string;
  by: 'HEURISTIC' | 'LLM';
  /** Set when the preferred condenser failed and a fallback answered. */
  warning: string | null;
}

/** Turns a follow-up ("and what about her husband?") into a standalone question. */
export interface Condenser {
  condense(question: string, history: HistoryTurn[], signal?: AbortSignal): Promise<Condensed>;
}

/** Finds entity names in a text (e.g. GraphService.linkEntities); may fail. */
export type EntityLinker = (text: string) => Promise<string[]>;

const PRONOUN = /\b(he|she|it|they|him|her|them|his|hers|its|their|theirs)\b/i;
/** Every pronoun, with the word after it ("her" before a noun is possessive: "her husband"; otherwise an object: "about her"). */
const PRONOUNS = /\b(?:he|she|it|they|him|her|them|his|hers|its|their|theirs)\b(?=(\s+([\p{L}\p{N}'’-]+))?)/giu;
const POSSESSIVES = new Set(['his', 'hers', 'its', 'their', 'theirs']);
const NOT_A_NOUN = new Set('and or but to of in on at for with by from about than as is was were be been has have had did does do who what when where why how'.split(' '));
const LEADING_CONNECTIVE = /^\s*(and|but|so|also|then|ok|okay)\b[\s,]*/i;
const ELLIPSIS = /^\s*(and|but|so|also)\b|\b(what|how)\s+about\b|\b(that|those|this|these|the same|there)\b/i;
/** Capitalised words that never start a name: question words, articles, sentence starters. */
const NOT_A_NAME = new Set(
  'who whom whose what which when where why how is are was were do does did can could would should will shall may might tell show list give find please the a an and but so also i in on at of for from to by with about it he she they his her their its this that these those there here yes no ok okay'.split(' '),
);

/**
 * Without an LLM. A question is a follow-up when it has a pronoun (he, she, it, they, him, her,
 * them, his, hers, its, their), an elliptic form ("and ...", "what about ...", "that", "those",
 * "this", "these"), or is at most two words. The referent is the first entity named in the most
 * recent earlier turn that names one: entities the entity linker (the graph's
 * GraphService.linkEntities) finds in that turn's standalone question, or else its capitalised
 * phrases. Possessive pronouns become "<Name>'s", subject/object pronouns become "<Name>"; when
 * there was no pronoun to replace, the names are appended in parentheses. A leading "and"/"but"/
 * "so" is dropped. A question that already names the entity, or that is not a follow-up, is kept.
 *
 *   "Who was Marie Curie?" then "and what about her husband?" -> "what about Marie Curie's husband?"
 *   "Who was Marie Curie?" then "what about the husband?"     -> "what about the husband (Marie Curie)?"
 */
export class HeuristicCondenser implements Condenser {
  constructor(private readonly linker?: EntityLinker) {}

  async condense(question: string, history: HistoryTurn[]): Promise<Condensed> {
    const q = question.trim();
    const unchanged: Condensed = { question: q, by: 'HEURISTIC', warning: null };
    const words = q.split(/\s+/).filter(Boolean);
    const followUp = PRONOUN.test(q) || ELLIPSIS.test(q) || words.length <= 2;
    if (!followUp || history.length === 0) return unchanged;

    const names = await this.referents(history);
    if (names.length === 0) return unchanged;
    const lower = q.toLowerCase();
    if (names.some((n) => lower.includes(n.toLowerCase()))) return unchanged;

    const name = names[0]!;
    let out = q.replace(LEADING_CONNECTIVE, '');
    if (!out) return unchanged;
    let replaced = false;
    // One pass, so a name that contains a pronoun-like word is never rewritten again.
    out = out.replace(PRONOUNS, (pronoun: string, _g: string | undefined, next: string | undefined) => {
      replaced = true;
      const p = pronoun.toLowerCase();
      if (p === 'her') return next && !NOT_A_NOUN.has(next.toLowerCase()) ? `${name}'s` : name;
      return POSSESSIVES.has(p) ? `${name}'s` : name;
    });
    if (!replaced) {
      const m = /^(.*?)([?.!]*)$/s.exec(out)!;
      out = `${m[1]!.trimEnd()} (${names.slice(0, 3).join(', ')})${m[2] ?? ''}`;
    }
    return { question: out, by: 'HEURISTIC', warning: null };
  }

  /** The names the most recent turn that names anything refers to. */
  private async referents(history: HistoryTurn[]): Promise<string[]> {
    for (const turn of [...history].reverse()) {
      const text = turn.standalone || turn.question;
      let names: string[] = [];
      if (this.linker) {
        try {
          names = await this.linker(text);
        } catch {
          names = [];
        }
      }
      if (names.length === 0) names = capitalisedPhrases(text);
      if (names.length > 0) return [...new Set(names)];
    }
    return [];
  }
}

/** "Who was Marie Curie and did she know Albert Einstein?" -> ["Marie Curie", "Albert Einstein"]. */
export function capitalisedPhrases(text: string): string[] {
  const out: string[] = [];
  const re = /\p{Lu}[\p{L}\p{N}'’-]*(?:\s+(?:(?:of|the|de|da|di|del|van|von|la|le)\s+)?\p{Lu}[\p{L}\p{N}'’-]*)*/gu;
  for (const m of text.matchAll(re)) {
    const parts = m[0].split(/\s+/);
    while (parts.length && NOT_A_NAME.has(parts[0]!.toLowerCase())) parts.shift();
    const phrase = parts.join(' ').replace(/['’]s$/, '');
    if (phrase && !NOT_A_NAME.has(phrase.toLowerCase())) out.push(phrase);
  }
  return out;
}

const Reply = z.object({ question: z.string().trim().min(1).max(4000) });

/** With an LLM: the condense prompt; an unusable reply or a failure falls back to the heuristic. */
export class LlmCondenser implements Condenser {
  constructor(
    private readonly llm: LlmClient,
    private readonly fallback: Condenser,
  ) {}

  async condense(question: string, history: HistoryTurn[], signal?: AbortSignal): Promise<Condensed> {
    if (history.length === 0) return { question: question.trim(), by: 'LLM', warning: null };
    const turns = history.map((t) => ({ question: t.standalone || t.question, answer: t.answer }));
    try {
      const res = await this.llm.chat({ messages: condenseMessages(question.trim(), turns), temperature: 0, json: true, maxTokens: 300, ...(signal ? { signal } : {}) });
      const parsed = parseJsonReply(res.text, Reply);
      if (!parsed.ok) throw new Error('the reply is not {"question": "..."}');
      return { question: parsed.value.question, by: 'LLM', warning: null };
    } catch (err) {
      if (signal?.aborted) throw err;
      const h = await this.fallback.condense(question, history, signal);
      return { ...h, warning: `the LLM could not condense the follow-up question (${errorMessage(err)}); a heuristic rewrite is used` };
    }
  }
}
