// The reviewer's logic: deterministic text checks, no model. Pure functions, easy to test.

/** How serious a finding is. */
export type Severity = "error" | "warning" | "info";

/** One problem the reviewer found. */
export interface Finding {
  /** A short rule id, e.g. `"long-sentence"`. */
  rule: string;
  severity: Severity;
  /** What is wrong and what to do about it. */
  message: string;
}

/** The reviewer's verdict on a text. */
export interface Review {
  verdict: "approve" | "changes requested";
  findings: Finding[];
}

/** Sentences longer than this many words are flagged. */
export const MAX_SENTENCE_WORDS = 30;

const WEASEL = ["very", "really", "basically", "clearly", "obviously", "simply", "just"];
const ABSOLUTE = /\b(always|never|guaranteed|everyone|nobody|100 ?%)\b/gi;
// Text that tries to instruct an AI reading it (a prompt injection) rather than inform a reader.
const INJECTION =
  /\[\s*(?:SYSTEM|OVERRIDE|INSTRUCTIONS)\s*\]|\bignore (?:all |any )?(?:previous|prior|above) instructions\b/i;

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

function excerpt(text: string, max = 60): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** Removes a leading `Review:` instruction so only the text under review is checked. */
export function textUnderReview(message: string): string {
  return message.replace(/^\s*(?:please\s+)?review(?:\s+this)?\s*:\s*/i, "").trim();
}

/**
 * Reviews `text` with fixed editorial rules: empty text, repeated words, over-long sentences,
 * absolute claims, weasel words, missing final punctuation, and lines that look like instructions
 * to an AI (prompt injection). Findings are sorted by severity; the verdict is `"approve"` when
 * there is nothing worse than `info`.
 */
export function reviewText(text: string): Review {
  const findings: Finding[] = [];
  const body = text.trim();
  if (body === "") {
    return {
      verdict: "changes requested",
      findings: [{ rule: "empty", severity: "error", message: "there is no text to review" }],
    };
  }

  for (const line of body.split(/\r?\n/)) {
    if (INJECTION.test(line)) {
      findings.push({
        rule: "injection",
        severity: "error",
        message: `this line reads like an instruction to an AI, not content; remove it: "${excerpt(line)}"`,
      });
    }
  }

  const repeated = /\b(\w+)\s+\1\b/i.exec(body);
  if (repeated) {
    findings.push({
      rule: "repeated-word",
      severity: "error",
      message: `"${repeated[0]}" repeats a word`,
    });
  }

  const sentences = body.split(/(?<=[.!?])\s+/).filter((s) => s.trim() !== "");
  sentences.forEach((sentence, i) => {
    const words = sentence.split(/\s+/).filter(Boolean).length;
    if (words > MAX_SENTENCE_WORDS) {
      findings.push({
        rule: "long-sentence",
        severity: "warning",
        message: `sentence ${i + 1} has ${words} words; split it (at most ${MAX_SENTENCE_WORDS})`,
      });
    }
  });

  const absolutes = [...new Set([...body.matchAll(ABSOLUTE)].map((m) => m[0].toLowerCase()))];
  if (absolutes.length > 0) {
    findings.push({
      rule: "absolute-claim",
      severity: "warning",
      message: `absolute claim (${absolutes.map((w) => `"${w}"`).join(", ")}); qualify it or cite a source`,
    });
  }

  const lower = body.toLowerCase();
  const weasels = WEASEL.filter((w) => new RegExp(`\\b${w}\\b`).test(lower));
  if (weasels.length > 0) {
    findings.push({
      rule: "weasel-words",
      severity: "info",
      message: `filler words add nothing: ${weasels.map((w) => `"${w}"`).join(", ")}`,
    });
  }

  if (!/[.!?)"'”’]$/.test(body)) {
    findings.push({
      rule: "final-punctuation",
      severity: "info",
      message: "the text does not end with a full stop",
    });
  }

  findings.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  const blocking = findings.some((f) => f.severity !== "info");
  return { verdict: blocking ? "changes requested" : "approve", findings };
}

/** Formats a review as the plain-text reply the reviewer sends back. */
export function formatReview(review: Review): string {
  const n = review.findings.length;
  const head = `Verdict: ${review.verdict} (${n === 0 ? "no findings" : n === 1 ? "1 finding" : `${n} findings`})`;
  return [head, ...review.findings.map((f) => `- ${f.severity} ${f.rule}: ${f.message}`)].join(
    "\n",
  );
}
