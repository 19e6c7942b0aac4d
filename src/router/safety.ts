// The offline router's appropriateness check: clearly harmful requests are refused before routing.

// ---------------------------------------------------------------------------------------------
// Appropriateness

interface HarmRule {
  category: string;
  re: RegExp;
  reason: string;
}

const HOW = String.raw`(?:how (?:do|can|could|would|should|might) (?:i|we|you|one|someone)|how to|instructions?|step[- ]by[- ]step|recipe|guide|tutorial|teach me|help me|show me how|ways? to|best way to|easiest way to|explain how to)`;
const MAKE = String.raw`(?:make|build|construct|assemble|create|synthesi[sz]e|produce|manufacture|cook|brew|3d[- ]print|detonate|rig|weaponi[sz]e|obtain|get)`;
const WEAPON = String.raw`(?:(?<!bath |seed |glitter |cherry |photo |calorie |f-)bombs?(?! (?:shelter|squad|disposal|cyclone|calorimeter|threat|sniffing))|explosives?|ieds?|pipe ?bombs?|detonators?|grenades?|napalm|molotov(?: cocktails?)?|thermite|nerve (?:agent|gas)|sarin|ricin|anthrax|mustard gas|chemical weapons?|biological weapons?|bio ?weapons?|dirty bombs?|nuclear (?:weapon|bomb)s?|ghost guns?|untraceable (?:guns?|firearms?)|silencers?|suppressors?|tatp|ammonium nitrate bombs?)`;
const DRUG = String.raw`(?:meth(?:amphetamine)?|fentanyl|heroin|crack cocaine|lsd)`;
const MALWARE = String.raw`(?:ransomware|keyloggers?|malware|(?:computer )?virus(?:es)? (?:that|to)|trojans?|botnets?|rootkits?|spyware|stalkerware|credential stealers?|password stealers?|info ?stealers?|phishing (?:kits?|pages?|sites?|emails?)|ddos (?:tools?|scripts?|attacks?)|zero[- ]day exploits?|exploits? for|worms? that)`;
const PRIVATE_TARGET = String.raw`(?:my (?:ex|ex-\w+|neighbou?r|coworker|co-worker|colleague|classmate|teacher|boss|landlord|tenant|crush|ex(?:-| )?(?:wife|husband|girlfriend|boyfriend))|this (?:girl|guy|woman|man|person|kid|user)|that (?:girl|guy|woman|man|person|kid|user)|a (?:private|random) (?:person|individual|citizen)|someone|somebody|(?:a )?stranger)`;

const HARM_RULES: readonly HarmRule[] = [
  {
    category: 'weapons',
    re: new RegExp(String.raw`\b${HOW}\b[^.?!]{0,60}\b${MAKE}\b[^.?!]{0,40}\b${WEAPON}\b`),
    reason: 'refused: the question asks for instructions to make weapons or explosives',
  },
  {
    category: 'weapons',
    re: new RegExp(String.raw`\b(?:${MAKE}|making|building)\b (?:a |an |some )?(?:homemade |home-made |improvised )?${WEAPON}\b[^.?!]{0,30}\b(?:at home|step by step|instructions|from household)`),
    reason: 'refused: the question asks for instructions to make weapons or explosives',
  },
  {
    category: 'drugs',
    re: new RegExp(String.raw`\b${HOW}\b[^.?!]{0,40}\b(?:make|synthesi[sz]e|cook|produce|manufacture)\b[^.?!]{0,30}\b${DRUG}\b`),
    reason: 'refused: the question asks how to manufacture illegal drugs',
  },
  {
    category: 'malware',
    re: new RegExp(String.raw`\b(?:write|create|code|build|make|develop|generate|give me|program)\b[^.?!]{0,40}\b${MALWARE}`),
    reason: 'refused: the question asks for malware or attack tooling',
  },
  {
    category: 'intrusion',
    re: new RegExp(String.raw`\b(?:hack|break|get) into\b[^.?!]{0,40}\b(?:${PRIVATE_TARGET}|his|her|their|someone's|somebody's|my (?:ex|wife|husband|partner|girlfriend|boyfriend)'?s?)\b|\b(?:steal|crack|phish)\b[^.?!]{0,30}\b(?:passwords?|credentials|credit cards?|bank (?:details|accounts?))\b`),
    reason: "refused: the question asks how to break into someone else's accounts or steal credentials",
  },
  {
    category: 'self-harm',
    re: /\b(?:how (?:do|can|could|should) i|how to|best way to|easiest way to|quickest way to|painless(?:ly)?(?: way)? to|ways? to|methods? (?:to|of|for)|how much [^.?!]{1,30} to)\b[^.?!]{0,40}\b(?:kill myself|end my (?:own )?life|commit suicide|suicide|hurt myself|harm myself|self[- ]harm|cut myself|overdose|die)\b|\b(?:i want to|i'm going to|going to) (?:kill myself|end my life|die)\b/,
    reason:
      'refused: the question asks about ways to harm yourself. If you are thinking about hurting yourself, please reach out to someone you trust or a local crisis line (in the US, call or text 988).',
  },
  {
    category: 'doxxing',
    re: new RegExp(
      String.raw`\b(?:(?:home|house|residential|private|personal|exact) address(?:es)?|where (?:exactly )?(?:does|do) ${PRIVATE_TARGET} live|(?:personal|private|cell|mobile) (?:phone )?number|social security number)\b[^.?!]{0,40}\b${PRIVATE_TARGET}|\b${PRIVATE_TARGET}'?s? (?:home|house|residential|private|personal|exact) address|\b(?:find|get|look ?up|track down|locate|give me|what(?:'s| is))\b[^.?!]{0,30}\b(?:home|house|residential|private) address(?:es)? of\b|\b(?:dox+|doxx)(?:ing)? (?:him|her|them|someone|somebody|my|this|that|a)\b|\b(?:track|stalk|spy on|follow)\b[^.?!]{0,20}\b(?:my (?:ex|wife|husband|girlfriend|boyfriend|partner)|someone|somebody|this (?:girl|guy|woman|man|person))\b[^.?!]{0,20}\b(?:location|phone|without|secretly|where)`,
    ),
    reason: "refused: the question asks for a private person's personal details or location",
  },
];


// ---------------------------------------------------------------------------------------------
// Production of dangerous substances, and lethal amounts (written from general categories, frozen
// before the held-out set data/router/safety-heldout.jsonl was written; measured by
// `npm run eval:router -- --safety`).

// Substances whose manufacture is the harm. Names are mostly language-neutral.
const DRUG_NAMES = String.raw`(?:meth(?:amphetamine|amfetamine)?|crystal meth|amphetamines?|mdma|ecstasy|fentanyl|carfentanil|heroin|crack(?: cocaine)?|cocaine|lsd|ghb|pcp|phencyclidine|mephedrone|methcathinone|metanfetamina|m[ée]thamph[ée]tamine|metamfetamin|methamphetamin)`;
const EXPLOSIVE_NAMES = String.raw`(?:tatp|triacetone triperoxide|acetone peroxide|hmtd|petn|rdx|hmx|c-?4|semtex|nitroglycerine?|nitrocellulose|gun ?cotton|lead azide|mercury fulminate|ammonium nitrate(?: fuel oil)?|anfo|thermite|napalm|black powder|flash powder|(?:pipe|car|nail|letter) ?bombs?|explosives?|ieds?|detonators?|blasting caps?|molotov(?: cocktails?)?|grenades?)`;
const AGENT_NAMES = String.raw`(?:sarin|soman|tabun|vx(?: gas| nerve agent)?|novichok|nerve (?:agents?|gas)|mustard gas|phosgene|chlorine gas|hydrogen cyanide|cyanide gas|ricin|abrin|botulinum(?: toxin)?|anthrax|chemical weapons?|biological weapons?|bio ?weapons?|dirty bombs?)`;
const PRECURSORS = String.raw`(?:pseudo-?ephedrine|ephedrine|phenyl-?2-?propanone|p2p|phenylacetone|safrole|piperonal|ergotamine|lysergic acid|4-anpp|npp|gbl|hydrogen peroxide and acetone)`;
const SUBSTANCE = String.raw`(?:${DRUG_NAMES}|${EXPLOSIVE_NAMES}|${AGENT_NAMES})`;
// What asking for production looks like: instruction nouns and production verbs, several languages.
const RECIPE_NOUN = String.raw`(?:recipes?|synthes[ie]s|synthesis (?:route|pathway|procedure|steps?)|(?:reaction|production|manufacturing) (?:route|process|steps?|procedure)|route (?:to|for)|procedures? (?:to|for)|protocols? (?:to|for)|formula(?:tion)?s? (?:for|of)|ingredients (?:for|of|in)|precursors? (?:for|of|to)|instructions|step[- ]by[- ]step|blueprints?|receta|recette|rezept|ricetta|receita|s[íi]ntesis|synth[èe]se|synthese|sintesi|s[íi]ntese)`;
const MAKE_VERB = String.raw`(?:make|making|made|build|building|cook|cooking|brew|brewing|synthesi[sz]e|synthesi[sz]ing|produce|producing|manufacture|manufacturing|prepare|preparing|extract|extracting|isolate|refine|convert|reduce|assemble|fabricar|fabriquer|herstellen|produrre|fabricar|hacer|preparar)`;

const PRODUCTION_RULES: RegExp[] = [
  // "recipe for X", "synthesis of X", "X synthesis route", "instructions ... X"
  new RegExp(String.raw`\b${RECIPE_NOUN}\b[^.?!]{0,40}\b${SUBSTANCE}\b|\b${SUBSTANCE}\b[^.?!]{0,25}\b${RECIPE_NOUN}\b`),
  // "how is X made", "how (do|can) i make X", "X from Y", "make X at home"
  new RegExp(String.raw`\bhow\b[^.?!]{0,40}\b${MAKE_VERB}\b[^.?!]{0,40}\b${SUBSTANCE}\b|\bhow (?:is|are) ${SUBSTANCE}\b[^.?!]{0,20}\b${MAKE_VERB}\b`),
  new RegExp(String.raw`\b${SUBSTANCE}\b[^.?!]{0,20}\bfrom\b[^.?!]{0,30}\b${PRECURSORS}\b|\b${MAKE_VERB}\b[^.?!]{0,40}\b${PRECURSORS}\b[^.?!]{0,30}\b(?:into|to)\b[^.?!]{0,20}\b${SUBSTANCE}\b`),
  new RegExp(String.raw`\b${MAKE_VERB}\b (?:a |an |some |my own |your own )?(?:homemade |home-made |improvised )?${SUBSTANCE}\b[^.?!]{0,30}\b(?:at home|in (?:a|my) (?:kitchen|garage|lab)|from (?:household|scratch|store-bought))`),
];

const QUANTITY = String.raw`(?:how (?:many|much)|what (?:amount|dose|dosage|quantity|number)|which dose|minimum (?:amount|dose|number))`;
const DEADLY = String.raw`(?:lethal|fatal|deadly|kill (?:me|myself|a (?:person|human|man|woman|adult))|to die|(?:would|will|could) (?:i |one )?die|overdose|od(?:ing)?|end (?:my|a) life|never wake up)`;
// Something one can take too much of: medicines, drugs, alcohol, poisons, or a dose as such.
const INGESTIBLE = String.raw`(?:pills?|tablets?|capsules?|doses?|dosage|mg|milligrams?|grams?|medications?|medicines?|meds|drugs?|painkillers?|sleeping (?:pills|tablets|aids?)|sedatives?|opioids?|opiates?|benzos?|benzodiazepines?|antidepressants?|insulin|paracetamol|acetaminophen|tylenol|ibuprofen|aspirin|oxycodone|morphine|codeine|tramadol|xanax|valium|ambien|zolpidem|melatonin|lithium|digoxin|caffeine|alcohol|vodka|drinks|${DRUG_NAMES}|cyanide|arsenic|poisons?|bleach|antifreeze|rat poison|nicotine|iron supplements?)`;
const SELF = String.raw`(?:for me|(?:kill|hurt|harm) (?:me|myself)|myself|i (?:take|swallow|drink|need|would|will|could)|my (?:own )?life)`;
const LETHAL_DOSE_RULES: RegExp[] = [
  new RegExp(String.raw`\b${QUANTITY}\b[^.?!]{0,50}\b${INGESTIBLE}\b[^.?!]{0,50}\b${DEADLY}|\b${QUANTITY}\b[^.?!]{0,50}\b${DEADLY}[^.?!]{0,40}\b${SELF}|\b${QUANTITY}\b[^.?!]{0,15}\b${DEADLY}[^.?!]{0,30}\b${INGESTIBLE}\b`),
  new RegExp(String.raw`\b(?:lethal|fatal|deadly) (?:dose|dosage|amount|quantity)\b[^.?!]{0,50}\b(?:for me|i (?:need|should|would)|to (?:die|kill myself)|myself)\b`),
  new RegExp(String.raw`\b(?:how (?:to|can i|do i|could i)|best way to|easiest way to|painless(?:ly)? (?:way )?to)\b[^.?!]{0,20}\b(?:overdose|od)\b`),
];

const SUBSTANCE_RULES: readonly HarmRule[] = [
  ...PRODUCTION_RULES.map((re) => ({ category: 'dangerous-synthesis', re, reason: 'refused: the question asks how to produce a dangerous drug, explosive or chemical or biological agent' })),
  ...LETHAL_DOSE_RULES.map((re) => ({
    category: 'self-harm',
    re,
    reason:
      'refused: the question asks for a lethal amount of a substance. If you are thinking about hurting yourself, please reach out to someone you trust or a local crisis line (in the US, call or text 988).',
  })),
];

const ALL_RULES: readonly HarmRule[] = [...HARM_RULES, ...SUBSTANCE_RULES];

/** The refusal reason when the question is clearly harmful, else null. */
export function checkAppropriate(question: string): { category: string; reason: string } | null {
  const lower = question.toLowerCase().replace(/[’‘`]/g, "'").replace(/\s+/g, ' ');
  for (const rule of ALL_RULES) if (rule.re.test(lower)) return { category: rule.category, reason: rule.reason };
  return null;
}
