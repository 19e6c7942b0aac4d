/** How the graph route reads a question: the words that can name an entity. */

/** Longest question or entity query the graph route accepts, in characters. */
export const QUESTION_MAX = 2000;

/** Words that never identify an entity on their own (question words, function words). */
export const STOPWORDS = new Set(
  (
    'a an the of in on at to for from by with about into over under and or not no is are was were be been being am do does did ' +
    'has have had who whom whose what which when where why how many much tell me us show list give find please can could would ' +
    'should will shall may might must this that these those it its their his her he she they them there here any all some each ' +
    'between than then also as if so such via vs'
  ).split(' '),
);

/** Lowercased word tokens (NFKC), punctuation dropped. */
export function tokens(text: string): string[] {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}
