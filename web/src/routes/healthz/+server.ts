// Liveness of the web app's server (the image's health check, the chart's probes): no gateway call.
import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = () => json({ status: 'ok' });
