// GET /metrics: Prometheus text exposition, open or behind a bearer token of its own (HEATER_METRICS_TOKEN).
import { Router } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Metrics } from '../../metrics/metrics';
import { UnauthenticatedError } from '../../errors/auth-error';
import { methodNotAllowed } from '../method-not-allowed';
import { onlyParams } from '../params';

/** The /metrics route; with a `token`, a request without `Authorization: Bearer <token>` is 401 with a Bearer challenge. */
export function metricsRouter({ metrics, metricsToken }: { metrics: Metrics; metricsToken: string }): Router {
  const r = Router();
  const expected = createHash('sha256').update(metricsToken).digest();
  r.route('/metrics')
    .get(async (req, res) => {
      if (metricsToken !== '') {
        const given = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
        // compared as digests: equal lengths, so the comparison takes the same time whatever was sent
        const ok = given !== undefined && timingSafeEqual(createHash('sha256').update(given).digest(), expected);
        if (!ok) throw new UnauthenticatedError('Bearer', 'GET /metrics needs the metrics token (HEATER_METRICS_TOKEN) as Authorization: Bearer.', given !== undefined);
      }
      onlyParams(req.query, [], '/metrics'); // after the token: a stranger learns only that one is needed
      const { contentType, text } = await metrics.render();
      res.setHeader('Cache-Control', 'no-store');
      res.type(contentType).send(text);
    })
    .all(methodNotAllowed('GET, HEAD'));
  return r;
}
