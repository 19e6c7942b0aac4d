import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestHandler } from 'express';
import type { Context } from '../context.js';
import { noTelemetry, type Telemetry } from '../telemetry.js';

/** SCAFFOLD (filled by the observability work): Prometheus metrics. */
export class Metrics {
  readonly telemetry: Telemetry = noTelemetry;
  plugin(): ApolloServerPlugin<Context> {
    return {};
  }
  handler(): RequestHandler {
    return (_req, res) => {
      res.status(404).end();
    };
  }
}
