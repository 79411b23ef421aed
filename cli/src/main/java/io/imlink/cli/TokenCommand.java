package io.imlink.cli;

import io.imlink.server.ServerApiClient;
import java.net.URI;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Gets a token through the signed HTTP API, as an app backend does, and prints it. */
@Command(name = "token", mixinStandardHelpOptions = true,
    description = "Get a user's token from the server API (as an app backend would) and print it.")
final class TokenCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--api", paramLabel = "URL", defaultValue = "http://127.0.0.1:8080",
      description = "The server's HTTP API (default: ${DEFAULT-VALUE}).")
  URI api;

  @Option(names = "--app-key", required = true, description = "The app key.")
  String appKey;

  @Mixin AppSecretOption secret; // keep it on servers only

  @Mixin ClientTlsOptions tls; // for an https API

  @Option(names = "--user", required = true, description = "The user id.")
  String user;

  @Option(names = "--name", description = "The user's display name.")
  String name;

  @Override
  public Integer call() throws Exception {
    AppSecretOption.Secret appSecret = BadOptionValue.check(spec, () -> {
      AppSecretOption.Secret given = secret.resolve(System::getenv);
      if (given == null) {
        throw new IllegalArgumentException("give the app secret: --app-secret-file FILE, $" + AppSecretOption.ENV
            + " or --app-secret SECRET");
      }
      return given;
    });
    String token = new ServerApiClient(api, appKey, appSecret.value(), java.time.Clock.systemUTC(),
        java.time.Duration.ofSeconds(10), BadOptionValue.check(spec, tls::resolve).sslContext()).getToken(user, name, null);
    spec.commandLine().getOut().println(token);
    spec.commandLine().getOut().flush();
    return 0;
  }
}
