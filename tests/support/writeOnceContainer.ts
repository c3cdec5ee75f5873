/**
 * A Blob container client that refuses what the archive's immutability policy (version-level
 * WORM) refuses on Azure, and what Azurite does not emulate: deleting a blob, changing an
 * existing one (metadata, headers, tags, its policy), and writing one without If-None-Match: *.
 * Every refused call is recorded, so a test can say none was made.
 */
import type { BlockBlobClient, ContainerClient } from '@azure/storage-blob';

const CHANGES = [
  'delete',
  'deleteIfExists',
  'setMetadata',
  'setHTTPHeaders',
  'setTags',
  'setImmutabilityPolicy',
  'deleteImmutabilityPolicy',
  'setLegalHold',
  'undelete',
];
const WRITES = ['upload', 'uploadStream', 'uploadData', 'uploadFile', 'commitBlockList', 'syncUploadFromURL', 'beginCopyFromURL'];

function refuse(refused: string[], what: string): never {
  refused.push(what);
  throw new Error(`refused by the write-once archive: ${what}`);
}

function writeOnceBlob(blob: BlockBlobClient, refused: string[]): BlockBlobClient {
  return new Proxy(blob, {
    get(target, name) {
      const value = Reflect.get(target, name);
      if (typeof value !== 'function') return value;
      if (CHANGES.includes(String(name))) return () => refuse(refused, `${String(name)} ${target.name}`);
      if (WRITES.includes(String(name)))
        return (...args: unknown[]) => {
          const options = args.at(-1) as { conditions?: { ifNoneMatch?: string } } | undefined;
          if (options?.conditions?.ifNoneMatch !== '*') refuse(refused, `${String(name)} without If-None-Match: * ${target.name}`);
          return value.apply(target, args);
        };
      return value.bind(target);
    },
  });
}

export function writeOnceContainer(container: ContainerClient, refused: string[]): ContainerClient {
  return new Proxy(container, {
    get(target, name) {
      const value = Reflect.get(target, name);
      if (typeof value !== 'function') return value;
      if (name === 'deleteBlob' || name === 'delete' || name === 'deleteIfExists') return () => refuse(refused, String(name));
      if (name === 'getBlockBlobClient' || name === 'getBlobClient')
        return (path: string) => writeOnceBlob(target.getBlockBlobClient(path), refused);
      return value.bind(target);
    },
  });
}
