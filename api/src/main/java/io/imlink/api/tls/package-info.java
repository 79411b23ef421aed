/**
 * TLS for imlink's transports and HTTP API, with the JDK alone: {@link io.imlink.api.tls.ServerTls}
 * (a server's certificate from PEM files, reloaded on change) and {@link
 * io.imlink.api.tls.ClientTls} (trust, host name verification, pinning). Both allow only TLS 1.3 and
 * 1.2, and both hand the transports a plain {@link javax.net.ssl.SSLContext}.
 */
package io.imlink.api.tls;
