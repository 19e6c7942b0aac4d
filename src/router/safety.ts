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

/** The refusal reason when the question is clearly harmful, else null. */
export function checkAppropriate(question: string): { category: string; reason: string } | null {
  const lower = question.toLowerCase().replace(/[’‘`]/g, "'").replace(/\s+/g, ' ');
  for (const rule of HARM_RULES) if (rule.re.test(lower)) return { category: rule.category, reason: rule.reason };
  return null;
}
