// Loaded before the app (SvelteKit runs it first, in `vite dev` and in the adapter-node build): starts
// OpenTelemetry from the platform, configured by the OTEL_* variables like every other process. With an
// OTLP endpoint: a span per incoming request, SvelteKit's handle/load/action spans under it, a span per
// fetch to the gateway (which carries the W3C traceparent). Without one, nothing is sent.
import '@app/platform/telemetry/register';
