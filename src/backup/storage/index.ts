export { objectAddress, type BackupStore, type StoredObject } from './backup-store.ts';
export { LocalDirStore } from './local-dir-store.ts';
export { S3Store, parseS3Url, s3OptionsFromEnv, type S3StoreOptions } from './s3-store.ts';
export { openBackupStore } from './open-backup-store.ts';
export { putText, getText, getTextIfAny } from './store-text.ts';
export { archiveLocation, refuseStdio, type ArchiveLocation } from './archive-location.ts';
