package io.imlink.transport.grpc.internal;

import io.grpc.netty.shaded.io.netty.handler.ssl.ApplicationProtocolConfig;
import io.grpc.netty.shaded.io.netty.handler.ssl.ApplicationProtocolNames;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.grpc.netty.shaded.io.netty.handler.ssl.JdkSslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import javax.net.ssl.SSLContext;

/** Netty TLS contexts over a JDK {@link SSLContext}, negotiating HTTP/2 by ALPN as gRPC requires. */
final class TlsContexts {
  private TlsContexts() {}

  private static ApplicationProtocolConfig h2() {
    return new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ApplicationProtocolNames.HTTP_2);
  }

  static SslContext client(SSLContext context) {
    return new JdkSslContext(context, true, null, IdentityCipherSuiteFilter.INSTANCE, h2(), ClientAuth.NONE, null, false);
  }

  static SslContext server(SSLContext context) {
    return new JdkSslContext(context, false, null, IdentityCipherSuiteFilter.INSTANCE, h2(), ClientAuth.NONE, null, false);
  }
}
