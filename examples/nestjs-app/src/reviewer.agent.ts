import { Injectable } from "@nestjs/common";
import { OnPeerMessage, PeerAgent } from "@molecule-ai/nestjs";
import type { InboundMessage } from "@molecule-ai/agent-core";
import { formatReview, reviewText, textUnderReview } from "./review.js";

/**
 * The workspace's message handler: a Nest provider marked `@PeerAgent()` whose `@OnPeerMessage()`
 * method answers every inbound message (from a peer or the canvas). The return value is the reply.
 */
@PeerAgent()
@Injectable()
export class ReviewerAgent {
  /** Number of texts reviewed since start-up. */
  reviewed = 0;

  /** Reviews the message text and replies with the verdict and findings. */
  @OnPeerMessage()
  review(msg: InboundMessage): string {
    this.reviewed += 1;
    return formatReview(reviewText(textUnderReview(msg.text)));
  }
}
