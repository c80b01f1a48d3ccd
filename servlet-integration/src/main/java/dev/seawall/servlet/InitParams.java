package dev.seawall.servlet;

import dev.seawall.core.Seawall;
import dev.seawall.core.chain.ChainBuilder;
import dev.seawall.core.chain.Exemption;
import dev.seawall.core.chain.Stage;
import dev.seawall.core.config.ConfigLoader;
import dev.seawall.core.config.InvalidSettingException;
import dev.seawall.core.config.PolicyConfig;
import dev.seawall.core.config.SeawallConfig;
import dev.seawall.core.internal.config.ConfigValues;
import dev.seawall.core.internal.config.PolicyFactory;
import dev.seawall.core.key.TrustedProxies;
import dev.seawall.core.metrics.SeawallMeters;
import dev.seawall.core.policy.Policy;
import dev.seawall.core.time.NanoClock;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.IntConsumer;
import java.util.function.Supplier;

/**
 * Reads and checks a standalone filter's init-params; every error names the filter and the parameter.
 * Unknown parameters are errors, like unknown YAML keys. Used during {@code init} only; not thread-safe.
 */
final class InitParams {

    private final String filter;
    private final FilterConfig config;

    InitParams(String filter, FilterConfig config, Set<String> known) throws ServletException {
        this.filter = filter;
        this.config = config;
        for (String n : Collections.list(config.getInitParameterNames())) {
            if (!known.contains(n)) {
                throw new ServletException(filter + ": unknown init-param " + n + " (known: " + new TreeSet<>(known) + ")");
            }
        }
    }

    String filter() {
        return filter;
    }

    /** What a standalone filter's stage needs: the system clock and the application's or the global registry. */
    static PolicyFactory.Context context(FilterConfig config) {
        MeterRegistry registry = config.getServletContext() != null
                && config.getServletContext().getAttribute(SeawallFilter.METER_REGISTRY_ATTRIBUTE)
                instanceof MeterRegistry r ? r : Metrics.globalRegistry;
        return new PolicyFactory.Context(NanoClock.system(), registry, null);
    }

    /** An engine with one policy of one stage covering every request the filter-mapping sends. */
    static Seawall singleStageEngine(String filterName, String policyName, Set<String> methods, Stage stage) {
        return singleStageEngine(filterName, policyName, methods, stage, false,
                dev.seawall.core.timeout.TimeoutStage.DEFAULT_BUFFER_BYTES);
    }

    /**
     * Like {@link #singleStageEngine(String, String, Set, Stage)} with the policy's fail-closed and buffer settings.
     */
    static Seawall singleStageEngine(String filterName, String policyName, Set<String> methods, Stage stage,
                                     boolean failClosed, int bufferBytes) {
        Policy policy = new Policy(policyName, List.of("/*"), methods, ChainBuilder.create().add(stage).build(),
                failClosed, bufferBytes);
        return Seawall.builder().source(filterName).policy(policy).build();
    }

    /**
     * Like {@link #singleStageEngine(String, String, Set, Stage)} with the exemption of the YAML policy the stage
     * comes from; its {@code seawall.requests.exempt} meter is bound to {@code registry} like the stage's meters.
     *
     * @param exemption who skips the stage, or null for nobody
     */
    static Seawall singleStageEngine(String filterName, String policyName, Set<String> methods, Stage stage,
                                     Exemption exemption, MeterRegistry registry) {
        Policy policy = new Policy(policyName, List.of("/*"), methods,
                ChainBuilder.create().exemption(exemption).add(stage).build(), false,
                dev.seawall.core.timeout.TimeoutStage.DEFAULT_BUFFER_BYTES);
        SeawallMeters.bind(registry, List.of(policy)); // the stage is already bound; this adds the exemption's meter
        return Seawall.builder().source(filterName).policy(policy).build();
    }

    /** The {@code buffer} init-param: a size ({@code 256KB}) or {@code off}; the default when absent. */
    int buffer() throws ServletException {
        if (!has("buffer")) {
            return dev.seawall.core.timeout.TimeoutStage.DEFAULT_BUFFER_BYTES;
        }
        if (get("buffer").equals("off")) {
            return 0;
        }
        try {
            return (int) ConfigValues.parseSize(get("buffer"), 64L * 1024 * 1024);
        } catch (IllegalArgumentException e) {
            throw bad("buffer", e.getMessage() + "; or off");
        }
    }

    boolean bool(String name) throws ServletException {
        if (!has(name)) {
            return false;
        }
        return switch (get(name)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw bad(name, ConfigValues.quote(get(name)) + " is not true or false");
        };
    }

    boolean has(String name) {
        String v = config.getInitParameter(name);
        return v != null && !v.isBlank();
    }

    String get(String name) {
        String v = config.getInitParameter(name);
        return v == null ? null : v.trim();
    }

    ServletException bad(String name, String problem) {
        return new ServletException(filter + ": init-param " + name + ": " + problem);
    }

    String required(String name) throws ServletException {
        if (!has(name)) {
            throw bad(name, "is required");
        }
        return get(name);
    }

    /** One policy of the YAML file named by the {@code config} init-param. */
    record YamlPolicy(SeawallConfig config, PolicyConfig policy) {
    }

    /**
     * Reads {@code config} and takes the policy named by {@code policy}, which must have the stage;
     * refuses init-params that the YAML file must hold instead.
     */
    YamlPolicy yamlPolicy(jakarta.servlet.ServletContext context, String stageLabel,
                          java.util.function.Predicate<PolicyConfig> hasStage, List<String> refused)
            throws ServletException {
        ConfigLocator.Located located = ConfigLocator.locate(get("config"), context);
        SeawallConfig config = ConfigLoader.parse(located.sourceName(), located.text());
        String policyName = required("policy");
        PolicyConfig pc = config.policy(policyName);
        if (pc == null || !hasStage.test(pc)) {
            throw new ServletException(filter + ": " + located.sourceName() + " has no policy \"" + policyName
                    + "\" with " + stageLabel);
        }
        refuseWithConfig(located.sourceName(), refused);
        return new YamlPolicy(config, pc);
    }

    /** Refuses parameters that the YAML file given with {@code config} must hold instead. */
    void refuseWithConfig(String source, List<String> names) throws ServletException {
        for (String only : names) {
            if (has(only)) {
                throw new ServletException(filter + ": init-param " + only + " conflicts with config; set it in " + source);
            }
        }
    }

    Set<String> methods() throws ServletException {
        Set<String> out = new LinkedHashSet<>();
        if (has("methods")) {
            for (String m : get("methods").split(",")) {
                String t = m.trim().toUpperCase(Locale.ROOT);
                if (!t.matches("[A-Z0-9!#$%&'*+.^_`|~-]{1,32}")) {
                    throw bad("methods", ConfigValues.quote(m) + " is not an HTTP method");
                }
                out.add(t);
            }
        }
        return out;
    }

    TrustedProxies trustedProxies() throws ServletException {
        if (!has("trusted-proxies")) {
            return TrustedProxies.none();
        }
        List<String> entries = new ArrayList<>();
        for (String e : get("trusted-proxies").split(",")) {
            entries.add(e.trim());
        }
        try {
            return TrustedProxies.of(entries);
        } catch (IllegalArgumentException e) {
            throw bad("trusted-proxies", e.getMessage());
        }
    }

    int ipv6Prefix() throws ServletException {
        return has("ipv6-prefix") ? (int) number("ipv6-prefix", 1, 128) : 64;
    }

    Duration duration(String name, Duration dflt) throws ServletException {
        if (!has(name)) {
            return dflt;
        }
        try {
            return ConfigValues.parseDuration(get(name));
        } catch (IllegalArgumentException e) {
            throw bad(name, e.getMessage());
        }
    }

    /** Hands a present init-param's text to a builder's setter. */
    @FunctionalInterface
    interface Setter {
        void accept(String value) throws ServletException;
    }

    /**
     * Forwards a present init-param to a config builder; the builder's refusal becomes this filter's error naming
     * the parameter (init-params are named like the YAML keys).
     */
    void forward(String name, Setter setter) throws ServletException {
        if (!has(name)) {
            return;
        }
        try {
            setter.accept(get(name));
        } catch (InvalidSettingException e) {
            throw refused(e);
        }
    }

    /** Forwards a present whole-number init-param; a value beyond {@code int} is reported as written. */
    void forwardInt(String name, IntConsumer setter) throws ServletException {
        if (!has(name)) {
            return;
        }
        String v = get(name);
        if (!v.matches("-?\\d{1,12}")) {
            throw bad(name, ConfigValues.quote(v) + " is not a whole number");
        }
        int clamped = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, Long.parseLong(v)));
        try {
            setter.accept(clamped);
        } catch (InvalidSettingException e) {
            String problem = e.problem();
            if (problem.startsWith(clamped + " ")) {
                problem = v + problem.substring(Integer.toString(clamped).length());
            }
            throw bad(e.key().isEmpty() ? name : e.key(), problem);
        }
    }

    /** Builds a config object; its refusal of the combination becomes this filter's error. */
    <T> T build(Supplier<T> build) throws ServletException {
        try {
            return build.get();
        } catch (InvalidSettingException e) {
            throw refused(e);
        }
    }

    ServletException refused(InvalidSettingException e) {
        return e.key().isEmpty() ? new ServletException(filter + ": " + e.problem()) : bad(e.key(), e.problem());
    }

    long number(String name, long min, long max) throws ServletException {
        String v = required(name);
        if (!v.matches("\\d{1,12}")) {
            throw bad(name, ConfigValues.quote(v) + " is not a whole number");
        }
        long n = Long.parseLong(v);
        if (n < min || n > max) {
            throw bad(name, n + " is outside " + min + "-" + max);
        }
        return n;
    }
}
