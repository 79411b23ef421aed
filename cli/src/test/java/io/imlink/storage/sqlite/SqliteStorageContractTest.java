package io.imlink.storage.sqlite;

import io.imlink.api.spi.StorageProvider;
import io.imlink.tck.StorageContract;

class SqliteStorageContractTest extends StorageContract {
  @Override
  protected StorageProvider provider() {
    return new SqliteStorageProvider();
  }
}
