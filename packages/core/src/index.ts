export * from './accounts/password';
export * from './crypto';
export * from './errors';
export * from './projects/roles';
export * from './scopes';
export * from './tokens/formats';
