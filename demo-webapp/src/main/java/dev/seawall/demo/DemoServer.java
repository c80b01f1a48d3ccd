package dev.seawall.demo;

import dev.seawall.servlet.SeawallFilter;
import dev.seawall.servlet.SeawallStatusServlet;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.security.HashLoginService;
import org.eclipse.jetty.security.UserStore;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.resource.ResourceFactory;
import org.eclipse.jetty.util.security.Password;

/**
 * The Seawall demo: an embedded Jetty 12 serving a web application whose real {@code WEB-INF/web.xml}
 * registers {@code SeawallFilter} with {@code WEB-INF/seawall.yaml}. Binds 127.0.0.1 only.
 *
 * <p>Run: {@code java -jar demo-webapp/target/seawall-demo.jar [--port N] [--traffic] [--config FILE]} (or
 * {@code SEAWALL_DEMO_PORT}, {@code SEAWALL_DEMO_TRAFFIC=1}, {@code SEAWALL_DEMO_CONFIG});
 * port 0 picks a free one. Thread-safe: {@link #close()} may be called from a shutdown hook.
 */
public final class DemoServer implements AutoCloseable {

    static final String REALM = "seawall-demo";
    private static final int DEFAULT_PORT = 8080;

    private final Server server;
    private final ServerConnector connector;
    private final String statusToken;
    private final PaymentProvider provider;

    private DemoServer(Server server, ServerConnector connector, String statusToken, PaymentProvider provider) {
        this.server = server;
        this.connector = connector;
        this.statusToken = statusToken;
        this.provider = provider;
    }

    /** Starts the demo on 127.0.0.1 and the given port (0 = any free port). */
    public static DemoServer start(int port) throws Exception {
        return start(port, newStatusToken());
    }

    /** Starts the demo with the bearer token that protects {@code /seawall/status}. */
    public static DemoServer start(int port, String statusToken) throws Exception {
        return start(port, statusToken, System::currentTimeMillis);
    }

    /**
     * @param scriptClock the wall clock (epoch millis) of the payment provider's script; tests pin it to a
     *                    phase of the minute so that "back to the script" is deterministic
     */
    static DemoServer start(int port, String statusToken, java.util.function.LongSupplier scriptClock)
            throws Exception {
        return start(port, statusToken, scriptClock, null);
    }

    /**
     * @param configFile a Seawall configuration file to use (and watch) instead of the bundled
     *                   {@code WEB-INF/seawall.yaml}; null for the bundled one
     */
    static DemoServer start(int port, String statusToken, java.util.function.LongSupplier scriptClock,
                            java.nio.file.Path configFile) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);

        WebAppContext webapp = new WebAppContext();
        webapp.setContextPath("/");
        // the webapp lives inside the jar (or the class path in an IDE); its classes are ours
        webapp.setBaseResource(ResourceFactory.of(webapp).newClassLoaderResource("webapp"));
        webapp.setParentLoaderPriority(true);
        webapp.setThrowUnavailableOnStartupException(true);
        webapp.getSecurityHandler().setLoginService(users());
        // Seawall's meters go to this registry (SeawallFilter reads the attribute); /metrics scrapes it
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        webapp.setAttribute(SeawallFilter.METER_REGISTRY_ATTRIBUTE, registry);
        webapp.setInitParameter(SeawallStatusServlet.TOKEN_CONTEXT_PARAM, statusToken);
        if (configFile != null) {
            webapp.setInitParameter(SeawallFilter.CONFIG_CONTEXT_PARAM, configFile.toAbsolutePath().toString());
        }
        // the flaky provider lives here, not in the servlet, so /seawall/admin/provider and tests reach it
        PaymentProvider provider = new PaymentProvider(scriptClock);
        webapp.setAttribute(PaymentProvider.ATTRIBUTE, provider);
        server.setHandler(webapp);
        server.start();
        return new DemoServer(server, connector, statusToken, provider);
    }

    /** From SEAWALL_DEMO_TOKEN, else random: the status endpoint is never open by default. */
    static String newStatusToken() {
        String env = System.getenv("SEAWALL_DEMO_TOKEN");
        if (env != null && env.strip().length() >= 16) {
            return env.strip();
        }
        byte[] bytes = new byte[18];
        new java.security.SecureRandom().nextBytes(bytes);
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** @return the bearer token of {@code /seawall/status} */
    public String statusToken() {
        return statusToken;
    }

    /** @return the simulated payment provider of this demo */
    PaymentProvider provider() {
        return provider;
    }

    /** Demo users of the BASIC realm; passwords are printed at start because this is a demo. */
    static HashLoginService users() {
        HashLoginService login = new HashLoginService(REALM);
        UserStore store = new UserStore();
        store.addUser("alice", new Password("alice-pw"), new String[] {"customer"});
        store.addUser("bob", new Password("bob-pw"), new String[] {"customer"});
        store.addUser("carol", new Password("carol-pw"), new String[] {"customer"});
        login.setUserStore(store);
        return login;
    }

    public int port() {
        return connector.getLocalPort();
    }

    public String uri() {
        return "http://127.0.0.1:" + port();
    }

    public void join() throws InterruptedException {
        server.join();
    }

    @Override
    public void close() throws java.io.IOException {
        try {
            server.stop();
        } catch (java.io.IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new java.io.IOException("stopping the demo failed", e);
        }
    }

    /**
     * The configuration file the demo runs with: {@code --config PATH} (or {@code SEAWALL_DEMO_CONFIG}), created
     * from the bundled one when it does not exist; otherwise a copy of the bundled one in a temporary directory.
     * Either way a file, so Seawall watches it and an edit is applied within seconds.
     */
    static java.nio.file.Path configFile(String[] args) throws java.io.IOException {
        String value = System.getenv("SEAWALL_DEMO_CONFIG");
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config") && i + 1 < args.length) {
                value = args[i + 1];
            } else if (args[i].startsWith("--config=")) {
                value = args[i].substring("--config=".length());
            }
        }
        boolean temporary = value == null || value.isBlank();
        java.nio.file.Path file;
        if (temporary) {
            java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("seawall-demo");
            file = dir.resolve("seawall.yaml");
            // deleted in reverse order of registration: the file, then its directory
            dir.toFile().deleteOnExit();
            file.toFile().deleteOnExit();
        } else {
            file = java.nio.file.Path.of(value.strip());
        }
        if (!java.nio.file.Files.exists(file)) {
            try (java.io.InputStream in = DemoServer.class.getClassLoader()
                    .getResourceAsStream("webapp/WEB-INF/seawall.yaml")) {
                if (in == null) {
                    throw new java.io.IOException("the bundled webapp/WEB-INF/seawall.yaml is missing");
                }
                java.nio.file.Files.copy(in, file);
            }
        }
        return file;
    }

    public static void main(String[] args) throws Exception {
        int port = port(args);
        java.nio.file.Path config = configFile(args);
        DemoServer demo = start(port, newStatusToken(), System::currentTimeMillis, config);
        boolean traffic = java.util.Arrays.asList(args).contains("--traffic")
                || "1".equals(System.getenv("SEAWALL_DEMO_TRAFFIC"));
        DemoTraffic generator = traffic ? new DemoTraffic(demo.uri()) : null;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                if (generator != null) {
                    generator.stop();
                }
                demo.close();
            } catch (Exception e) {
                System.err.println("Seawall demo: shutdown failed: " + e);
            }
        }, "seawall-demo-shutdown"));
        String u = demo.uri();
        System.out.println();
        System.out.println("Seawall demo is running on " + u + "  (Ctrl-C to stop)");
        System.out.println();
        System.out.println("  " + u + "/hello                 no policy: passes untouched");
        System.out.println("  " + u + "/api/catalog           per-API-key plans (free / pro) + per-IP limit");
        System.out.println("  " + u + "/api/orders            tenant + user limits, BASIC auth (alice/alice-pw, bob/bob-pw, carol/carol-pw)");
        System.out.println("  " + u + "/login  (POST)         strict per-IP limit: 5 per minute");
        System.out.println("  " + u + "/api/reports           slow (2 s), throttled: 2 at once, 10 queued, rest 503");
        System.out.println("  " + u + "/api/search            adaptive throttle: a learnt limit, critical / sheddable queries");
        System.out.println("  " + u + "/api/payments          flaky provider (down 20 s a minute) behind a circuit breaker");
        System.out.println("  " + u + "/api/anything          default per-IP limit");
        System.out.println("  " + u + "/api/v2/rates          JAX-RS (Jersey + SeawallFeature): @RateLimit 10 per minute per IP");
        System.out.println("  " + u + "/api/v2/rates/XAU      @Timeout 800 ms on a 3 s upstream, answered by @Fallback");
        System.out.println("  " + u + "/api/v2/convert?from=EUR&to=USD&amount=100   async, @Throttle 2 at once, 10 waiting");
        System.out.println("  " + u + "/metrics               Prometheus meters (seawall_* among them)");
        System.out.println("  " + u + "/seawall/status        live state as JSON; needs the token below");
        System.out.println("  " + u + "/seawall/history       rates, queues and breaker states, last 5 minutes (JSON; token)");
        System.out.println("  " + u + "/seawall/latency       latency per policy, last 5 minutes (JSON; token)");
        System.out.println("  " + u + "/seawall/admin/provider  GET / POST failure=0.6&latency=300ms | mode=auto (token)");
        System.out.println("  " + u + "/seawall/admin/catalog   GET / POST down=true | down=false: stale copies (token)");
        System.out.println();
        System.out.println("Status page (live charts): " + u + "/seawall/#token=" + demo.statusToken());
        System.out.println("Configuration: " + config.toAbsolutePath() + "  (edit it: Seawall reloads it within 2 s;"
                + " a broken edit is refused and shown on the status page)");
        if (generator != null) {
            generator.start();
            System.out.println("Synthetic traffic is running (--traffic): watch the status page. Its clients send"
                    + " X-Forwarded-For, which this demo believes from loopback (trusted-proxies in the configuration:"
                    + " demo only, never in production).");
        } else {
            System.out.println("Add --traffic to generate load on every endpoint and watch the status page.");
        }
        System.out.println();
        System.out.println("Try:");
        System.out.println("  for i in 1 2 3 4 5 6; do curl -si -X POST " + u + "/login | head -1; done");
        System.out.println("  curl -si " + u + "/api/catalog                                  # 401: needs an API key");
        System.out.println("  curl -si -H 'X-API-Key: demo-free-key' " + u + "/api/catalog     # free plan: 3/min");
        System.out.println("  curl -si -H 'X-API-Key: demo-pro-key' " + u + "/api/catalog      # pro plan: 100/min");
        System.out.println("  curl -si -u alice:alice-pw -H 'X-Tenant-ID: acme' " + u + "/api/orders");
        System.out.println("  curl -si -H 'X-Tenant-ID: ../etc' -u bob:bob-pw " + u + "/api/orders   # 400: invalid tenant");
        System.out.println("  curl -si -X POST -u bob:bob-pw -H 'X-Tenant-ID: acme' -H 'Idempotency-Key: \"order-1\"' -d '{}' " + u
                + "/api/orders   # again: Idempotent-Replayed: true");
        System.out.println("  for i in $(seq 15); do curl -s -o /dev/null -w '%{http_code}\\n' " + u + "/api/reports & done; wait");
        System.out.println("  while true; do curl -s -o /dev/null -w '%{http_code} ' " + u + "/api/payments; sleep 1; done");
        System.out.println("  for i in $(seq 11); do curl -s -o /dev/null -w '%{http_code} ' " + u + "/api/v2/rates; done; echo");
        System.out.println("  curl -si " + u + "/api/v2/rates/XAU                             # X-Data-Source: fallback at 800 ms");
        System.out.println("  curl -s -X POST -H 'Authorization: Bearer " + demo.statusToken() + "' '" + u
                + "/seawall/admin/catalog?down=true'   # the catalog's database fails; down=false ends it");
        System.out.println("  curl -si -H 'X-API-Key: demo-pro-key' " + u
                + "/api/catalog      # the caller's last good copy: X-Data-Source: cache, Age");
        System.out.println("  for i in $(seq 15); do curl -s -o /dev/null -w '%{http_code}\\n' '" + u
                + "/api/v2/convert?from=EUR&to=USD&amount=100' & done; wait");
        System.out.println("  curl -s -H 'Authorization: Bearer " + demo.statusToken() + "' " + u + "/seawall/status");
        System.out.println("  curl -s -X POST -H 'Authorization: Bearer " + demo.statusToken() + "' '" + u
                + "/seawall/admin/provider?failure=0.6&latency=300ms'   # payments fail 60 %; mode=auto resets");
        System.out.println("  curl -s -X POST -H 'Authorization: Bearer " + demo.statusToken() + "' '" + u
                + "/seawall/status?action=reload'   # reload the configuration now");
        System.out.println();
        demo.join();
    }

    static int port(String[] args) {
        String value = System.getenv("SEAWALL_DEMO_PORT");
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--port") && i + 1 < args.length) {
                value = args[i + 1];
            } else if (args[i].startsWith("--port=")) {
                value = args[i].substring("--port=".length());
            }
        }
        if (value == null || value.isBlank()) {
            return DEFAULT_PORT;
        }
        try {
            int p = Integer.parseInt(value.trim());
            if (p < 0 || p > 65535) {
                throw new NumberFormatException();
            }
            return p;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--port / SEAWALL_DEMO_PORT: \"" + value + "\" is not a port (0-65535)");
        }
    }
}
