package dev.seawall.spring;

import dev.seawall.core.LiveSeawall;
import dev.seawall.core.config.PolicyConfig;
import dev.seawall.core.config.RateLimitConfig;
import dev.seawall.core.key.KeyKind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.cloud.CloudPlatform;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;
import org.springframework.core.env.ConfigurableEnvironment;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Says at start-up what the starter did where a silent default would surprise, and warns where a setting defeats a
 * limit: a {@code by: user} limit that can never see Spring Security's principal (the filter ordered before Security,
 * or its path listed in {@code seawall.filter.before-security}), and how the client's address is read under
 * {@code server.forward-headers-strategy}.
 *
 * <p>Not thread-safe; Spring calls it once, after every singleton exists.
 */
final class StartupReport implements SmartInitializingSingleton, ApplicationContextAware {

    private static final Logger LOG = LoggerFactory.getLogger(StartupReport.class);
    /** The bean name of the Tomcat valve's customizer ({@link SeawallAutoConfiguration}). */
    static final String TOMCAT_VALVE = "seawallPeerAddressValve";
    private ApplicationContext context;

    @Override
    public void setApplicationContext(ApplicationContext context) {
        this.context = context;
    }

    @Override
    public void afterSingletonsInstantiated() {
        if (context.getBeanNamesForType(LiveSeawall.class).length == 0) {
            return;
        }
        LiveSeawall live = context.getBean(LiveSeawall.class);
        SeawallProperties properties = context.getBean(SeawallProperties.class);
        ConfigurableEnvironment env = (ConfigurableEnvironment) context.getEnvironment();
        for (String warning : principalWarnings(live, properties, env, securityPresent())) {
            LOG.warn(warning);
        }
        forwardedHeaders(env, live.current().config().trustedProxies().size());
        for (String warning : libraryWarnings()) {
            LOG.warn(warning);
        }
    }

    /** The oldest version of each library Seawall leaves to the application that its tests run (Boot 3.5.7's). */
    static final List<String[]> MINIMUM = List.of(
            new String[] {"Micrometer", "io.micrometer.core.instrument.MeterRegistry", "1.15"},
            new String[] {"Caffeine", "com.github.benmanes.caffeine.cache.Caffeine", "3.2"},
            new String[] {"SnakeYAML", "org.yaml.snakeyaml.Yaml", "2.4"});

    /** @return a warning for each library older than Seawall is tested with (a dependency manager chose it) */
    static List<String> libraryWarnings() {
        List<String> out = new ArrayList<>();
        for (String[] lib : MINIMUM) {
            String version;
            try {
                version = Class.forName(lib[1], false, StartupReport.class.getClassLoader()).getPackage()
                        .getImplementationVersion();
            } catch (ClassNotFoundException e) {
                continue;
            }
            if (version != null && older(version, lib[2])) {
                out.add("Seawall: " + lib[0] + " " + version + " is older than " + lib[2] + ", the oldest version"
                        + " Seawall is tested with; your dependency management chose it (set its version property)");
            }
        }
        return out;
    }

    /** @return whether {@code version}'s major.minor is below {@code minimum}'s; unreadable versions are not */
    static boolean older(String version, String minimum) {
        int[] v = majorMinor(version);
        int[] m = majorMinor(minimum);
        return v != null && m != null && (v[0] < m[0] || v[0] == m[0] && v[1] < m[1]);
    }

    private static int[] majorMinor(String version) {
        String[] parts = version.split("[.\\-]");
        try {
            return new int[] {Integer.parseInt(parts[0]), parts.length > 1 ? Integer.parseInt(parts[1]) : 0};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private boolean securityPresent() {
        return context.containsBean("springSecurityFilterChain");
    }

    /** @return one warning per policy whose {@code by: user} limits can never see a principal */
    static List<String> principalWarnings(LiveSeawall live, SeawallProperties properties, ConfigurableEnvironment env,
                                          boolean security) {
        List<String> out = new ArrayList<>();
        if (!security) {
            return out;
        }
        int securityOrder = SeawallAutoConfiguration.securityOrder(env);
        int order = SeawallAutoConfiguration.order(properties, env);
        PathSplitFilter.Paths early = SeawallAutoConfiguration.earlyPaths(properties);
        for (PolicyConfig p : live.current().config().policies()) {
            if (!byUser(p)) {
                continue;
            }
            boolean listedEarly = false;
            for (String path : p.paths()) {
                listedEarly |= early.matches(path.endsWith("/*") ? path.substring(0, path.length() - 2) : path);
            }
            if (listedEarly) {
                out.add("Seawall: policy '" + p.name() + "' has a by: user limit, but its paths are listed in"
                        + " seawall.filter.before-security, which runs before Spring Security: no principal is known"
                        + " there, so every request skips that limit. Limit those paths by ip, or take them out of"
                        + " seawall.filter.before-security.");
            } else if (order <= securityOrder) {
                out.add("Seawall: policy '" + p.name() + "' has a by: user limit, but seawall.filter.order=" + order
                        + " runs Seawall before Spring Security (spring.security.filter.order=" + securityOrder
                        + "): no principal is known yet, so every request skips that limit. Leave"
                        + " seawall.filter.order unset (default " + (securityOrder + SeawallAutoConfiguration.GAP)
                        + ") or set it above " + securityOrder + ".");
            }
        }
        return out;
    }

    private static boolean byUser(PolicyConfig p) {
        for (RateLimitConfig r : p.rateLimits()) {
            if (r.by() == KeyKind.USER) {
                return true;
            }
        }
        return false;
    }

    private void forwardedHeaders(ConfigurableEnvironment env, int trustedProxies) {
        String strategy = env.getProperty("server.forward-headers-strategy", "").trim().toLowerCase(Locale.ROOT);
        if (strategy.isEmpty()) {
            CloudPlatform platform = CloudPlatform.getActive(env);
            strategy = platform != null && platform.isUsingForwardHeaders() ? "native (cloud platform " + platform
                    + ")" : "none";
        }
        String trust = trustedProxies == 0 ? "no trusted proxies: the connection's peer is the client"
                : trustedProxies + " trusted-proxies entr" + (trustedProxies == 1 ? "y" : "ies");
        if (strategy.startsWith("framework")) {
            LOG.info("Seawall: server.forward-headers-strategy=framework: Spring's ForwardedHeaderFilter rewrites the"
                    + " client address for the application; Seawall reads the connection's peer and the forwarding"
                    + " headers as they arrived, and trusts them by its own configuration ({})", trust);
        } else if (strategy.startsWith("native")) {
            // by name: the valve's class needs Tomcat, which only the bean's existence promises
            boolean valve = context.containsBean(TOMCAT_VALVE)
                    && ((PeerAddressValve.Customizer) context.getBean(TOMCAT_VALVE)).installed();
            if (valve) {
                LOG.info("Seawall: server.forward-headers-strategy={}: Tomcat rewrites the client address before any"
                        + " filter; Seawall records the connection's peer ahead of it and trusts forwarding headers by"
                        + " its own configuration ({})", strategy, trust);
            } else {
                LOG.warn("Seawall: server.forward-headers-strategy={}: this server rewrites the client address before"
                        + " any filter and Seawall cannot see the connection's peer here (only on Tomcat): rate limits"
                        + " by ip use the address the server resolved from its own trusted proxies", strategy);
            }
        }
    }
}
