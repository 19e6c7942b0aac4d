import type { SubscriptionResolvers } from '../__generated__/resolvers-types.js';
import type { AskEvent } from '../ask/types.js';
import { askOptions } from './Ask.js';

export const Subscription: SubscriptionResolvers = {
  askStream: {
    // context.signal is aborted when the client unsubscribes or disconnects (src/http/subscriptions.ts).
    subscribe: (_p, { question, options, conversation }, { services, signal }) => services.ask.askStream(question, askOptions(options, conversation, signal)),
    resolve: (event: AskEvent) => event,
  },
};
