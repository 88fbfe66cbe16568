/** One object store of one IndexedDB database, opened lazily, each request run in its own transaction. */
export type ObjectStoreRunner = <T>(mode: IDBTransactionMode, act: (store: IDBObjectStore) => IDBRequest<T>) => Promise<T>

function settle<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'))
  })
}

/**
 * Runs requests against object store `storeName` of database `name`. A
 * request resolves once its transaction committed, not on its own success:
 * only a committed write is visible to other tabs.
 */
export function objectStoreRunner(factory: IDBFactory, name: string, storeName: string): ObjectStoreRunner {
  let opening: Promise<IDBDatabase> | undefined

  const open = (): Promise<IDBDatabase> => {
    const request = factory.open(name, 1)
    request.onupgradeneeded = () => request.result.createObjectStore(storeName)
    return settle(request).then((db) => {
      // Step aside when another tab deletes or upgrades the database; the next call reopens.
      db.onversionchange = () => {
        db.close()
        opening = undefined
      }
      db.onclose = () => (opening = undefined)
      return db
    })
  }

  return async (mode, act) => {
    opening ??= open().catch((error: unknown) => {
      opening = undefined
      throw error
    })
    const transaction = (await opening).transaction(storeName, mode)
    const committed = new Promise<void>((resolve, reject) => {
      transaction.oncomplete = () => resolve()
      transaction.onabort = () => reject(transaction.error ?? new Error('IndexedDB transaction aborted'))
    })
    const [result] = await Promise.all([settle(act(transaction.objectStore(storeName))), committed])
    return result
  }
}
