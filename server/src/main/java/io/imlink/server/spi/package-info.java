/**
 * The reference server's storage SPI: a {@link io.imlink.server.spi.ServerStoreProvider} opens a
 * {@link io.imlink.server.spi.ServerStore} (inbox, state, nonces) that one or many server processes
 * use. {@code sqlite} is the embedded default; {@code postgres} is a module of its own.
 */
package io.imlink.server.spi;
