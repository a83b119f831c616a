export * from './accounts';
export * from './oauth';
export * from './operations';
export * from './projects';
export * from './resource-servers';
