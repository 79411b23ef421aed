package io.imlink.core.storage;

import io.imlink.api.spi.StorageProvider;
import io.imlink.tck.StorageContract;

class MemoryStorageContractTest extends StorageContract {
  @Override
  protected StorageProvider provider() {
    return new MemoryStorageProvider();
  }
}
