// Public API of the NestJS example: the reviewer specialist the demo (examples/demo) starts.
export { startNestSpecialist, PUSH_PATH } from "./specialist.js";
export type { NestSpecialist, NestSpecialistOptions } from "./specialist.js";
export { AppModule } from "./app.module.js";
export { ReviewerAgent } from "./reviewer.agent.js";
export { formatReview, MAX_SENTENCE_WORDS, reviewText, textUnderReview } from "./review.js";
export type { Finding, Review, Severity } from "./review.js";
export { runOffline } from "./offline.js";
export type { OfflineOptions, OfflineResult } from "./offline.js";
