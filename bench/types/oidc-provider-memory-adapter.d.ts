/** oidc-provider's own development adapter, which takes the store it keeps its entries in. */
declare module 'oidc-provider/lib/adapters/memory_adapter.js' {
  import type { Adapter } from 'oidc-provider';

  export interface Store {
    get(key: string): unknown;
    set(key: string, value: unknown, options?: { maxAge?: number }): void;
    delete(key: string): void;
  }
  const MemoryAdapter: new (model: string, store: Store) => Adapter;
  export default MemoryAdapter;
}
