// The route table, for the test that holds the OpenAPI document to it.
export { createApp } from './app';
export { type Config, configFrom } from './env';
// The body read, exported for its tests (which bodies it takes at once).
export { requestText } from './http/body';
// HAL's router, exported for its tests (what it memoizes, what it leaves out of a chain).
export { HalRouter, passThrough } from './http/router';
export { isOutage } from './http/unavailable';
// The SSRF guard of metadata-document fetches, exported for its tests (custom DNS answers).
export { isFetchableAddress, MetadataFetchError, metadataFetcher } from './lib/metadata-fetch';
export { type RunningServer, startServer } from './server';
// The keyed cache of verified credentials, exported for its tests (what its keys reveal).
export { CredentialCache } from './services/credential-cache';
export type { AppRouter } from './trpc/root';
