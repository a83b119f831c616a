// The route table, for the test that holds the OpenAPI document to it.
export { createApp } from './app';
export { type Config, configFrom } from './env';
export { isOutage } from './http/unavailable';
// The SSRF guard of metadata-document fetches, exported for its tests (custom DNS answers).
export { isFetchableAddress, MetadataFetchError, metadataFetcher } from './lib/metadata-fetch';
export { type RunningServer, startServer } from './server';
export type { AppRouter } from './trpc/root';
