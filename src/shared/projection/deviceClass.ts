// DeviceClasses → DeviceClassRecord: identity only. The controller lists classes because upstream
// waits for that informer to sync; nothing in a class changes an eviction decision.

import type { DeviceClassRecord } from '../types.js';
import { type Projector, projector, readMeta } from './projector.js';

export const projectDeviceClass: Projector<DeviceClassRecord> = projector((raw) => {
  const { meta } = readMeta(raw, false);
  return { name: meta.name, uid: meta.uid, resourceVersion: meta.resourceVersion };
}, false);
