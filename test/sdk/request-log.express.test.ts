import type { AddressInfo } from 'node:net';
import express from 'express';
import { type ExpressRequestLike, requestLog } from '../../sdk/src/express.js';
import { runRequestLogCases } from './request-log.cases.js';

/** The request-log cases against a real Express 5 app, with a router mounted under /api. */
runRequestLogCases<ExpressRequestLike>({
  name: 'Express',
  headers: (req) => req.headers,
  start: async (options) => {
    const app = express();
    app.use(express.json({ limit: '1mb' }));
    app.use(requestLog(options));
    const api = express.Router();
    api.get('/users/:id', (req, res) => {
      res.json({ id: req.params.id });
    });
    api.post('/login', (req, res) => {
      res.status(401).json({ error: 'bad credentials', got: Object.keys(req.body as object).length });
    });
    app.use('/api', api);
    app.get('/healthz', (_req, res) => {
      res.send('ok');
    });
    app.get('/internal/metrics', (_req, res) => {
      res.send('metrics');
    });
    app.get('/slow', (_req, res) => {
      setTimeout(() => res.send('late'), 500);
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  },
});
