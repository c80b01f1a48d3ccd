package dev.seawall.jaxrs;

import dev.seawall.core.config.ConfigException;
import dev.seawall.core.config.ConfigLoader;
import dev.seawall.core.config.PolicyFactory;
import dev.seawall.core.config.SeawallConfig;
import dev.seawall.core.fallback.FallbackHandler;
import dev.seawall.core.internal.Json;
import dev.seawall.core.policy.Policy;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads Seawall's annotations on a resource method (method over class) and builds the policy they declare.
 *
 * <p>The annotations are translated into the YAML configuration's own document (as JSON, which YAML reads) and
 * validated by the same {@link ConfigLoader}, so an annotation means exactly what the same key means in
 * {@code seawall.yaml}, with the same defaults and limits. Errors are re-addressed to the annotation:
 * {@code com.example.Orders#list: @RateLimit[0].limit: "10/xyz" is not a rate ...}.
 *
 * <p>Not thread-safe: used while the application starts (one instance per {@link SeawallFeature}), never per
 * request.
 */
final class AnnotationPolicies {

    private static final Pattern PATH = Pattern.compile("policies\\[0\\](?:\\.([a-z-]+)(?:\\[(\\d+)\\])?(?:\\.(.+))?)?");
    private static final Pattern UNSAFE = Pattern.compile("[^a-z0-9._-]+");

    private final SeawallConfig base;
    private final PolicyFactory.Context context;
    private final PolicyFactory.Breakers breakers = new PolicyFactory.Breakers();
    private final Set<String> names = new HashSet<>();

    /**
     * @param base the YAML configuration whose top-level settings (trusted proxies, header mode, IPv6 prefix)
     *             annotation limits share, or null
     */
    AnnotationPolicies(SeawallConfig base, PolicyFactory.Context context) {
        this.base = base;
        this.context = context;
    }

    /** @return true when the method or its class carries a Seawall annotation */
    static boolean annotated(Class<?> type, Method method) {
        for (Class<? extends Annotation> a : List.of(RateLimit.class, RateLimits.class, Throttle.class,
                CircuitBreaker.class, Timeout.class, Fallback.class)) {
            if (method.isAnnotationPresent(a) || type.isAnnotationPresent(a)) {
                return true;
            }
        }
        return false;
    }

    /**
     * @return the policy the annotations of {@code method} (and its class) declare, or null when there are none
     * @throws IllegalStateException naming the class, method and attribute when a value is invalid
     */
    Policy policy(Class<?> type, Method method) {
        SeawallConfig config = config(type, method);
        if (config == null) {
            return null;
        }
        try {
            return PolicyFactory.policies(config, context, breakers).get(0);
        } catch (ConfigException e) {
            // e.g. a named breaker declared twice with different settings, a handler class that cannot be made
            throw new IllegalStateException(type.getName() + "#" + method.getName() + ": " + attribute(e.keyPath())
                    + e.problem());
        }
    }

    /**
     * @return the configuration the annotations of {@code method} (and its class) declare, exactly as the YAML
     *         loader reads the same keys, or null when there are none
     * @throws IllegalStateException naming the class, method and attribute when a value is invalid
     */
    SeawallConfig config(Class<?> type, Method method) {
        if (!annotated(type, method)) {
            return null;
        }
        String where = type.getName() + "#" + method.getName();
        String name = uniqueName(type, method);
        String json = document(type, method, name);
        try {
            return ConfigLoader.parse(where, json);
        } catch (ConfigException e) {
            throw new IllegalStateException(where + ": " + attribute(e.keyPath()) + e.problem());
        }
    }

    private String uniqueName(Class<?> type, Method method) {
        String raw = (type.getSimpleName() + "." + method.getName()).toLowerCase(Locale.ROOT);
        String n = UNSAFE.matcher(raw).replaceAll("-");
        if (n.isEmpty() || !Character.isLetterOrDigit(n.charAt(0))) {
            n = "r" + n;
        }
        n = n.length() > 60 ? n.substring(0, 60) : n;
        String candidate = n;
        for (int i = 2; !names.add(candidate); i++) {
            candidate = n + "-" + i;
        }
        return candidate;
    }

    /** Maps {@code policies[0].rate-limits[1].max-keys} to {@code @RateLimit[1].maxKeys: }. */
    static String attribute(String keyPath) {
        Matcher m = PATH.matcher(keyPath);
        if (!m.matches() || m.group(1) == null) {
            return "";
        }
        String stage = switch (m.group(1)) {
            case "rate-limits" -> "@RateLimit";
            case "throttle" -> "@Throttle";
            case "circuit-breaker" -> "@CircuitBreaker";
            case "timeout" -> "@Timeout";
            case "fallback" -> "@Fallback";
            default -> m.group(1);
        };
        StringBuilder sb = new StringBuilder(stage);
        if (m.group(2) != null) {
            sb.append('[').append(m.group(2)).append(']');
        }
        if (m.group(3) != null) {
            String key = m.group(3);
            int dot = key.indexOf('.');
            String head = dot < 0 ? key : key.substring(0, dot);
            sb.append('.').append("after".equals(head) && "@Timeout".equals(stage) ? "value" : camel(head));
            if (dot >= 0) {
                sb.append(key.substring(dot));
            }
        }
        return sb.append(": ").toString();
    }

    private static String camel(String kebab) {
        StringBuilder sb = new StringBuilder(kebab.length());
        boolean up = false;
        for (int i = 0; i < kebab.length(); i++) {
            char c = kebab.charAt(i);
            if (c == '-') {
                up = true;
            } else {
                sb.append(up ? Character.toUpperCase(c) : c);
                up = false;
            }
        }
        return sb.toString();
    }

    private String document(Class<?> type, Method method, String name) {
        StringBuilder sb = new StringBuilder(256).append('{');
        if (base != null) {
            sb.append("\"trusted-proxies\":");
            array(sb, base.trustedProxies());
            sb.append(",\"headers\":{\"rate-limit\":");
            Json.string(sb, base.rateLimitHeaders().name().toLowerCase(Locale.ROOT));
            sb.append("},\"client-ip\":{\"ipv6-prefix\":").append(base.ipv6Prefix()).append("},");
        }
        sb.append("\"policies\":[{\"name\":");
        Json.string(sb, name);
        sb.append(",\"paths\":[\"/\"]");
        RateLimit[] limits = method.getAnnotationsByType(RateLimit.class);
        if (limits.length == 0) {
            limits = type.getAnnotationsByType(RateLimit.class);
        }
        if (limits.length > 0) {
            sb.append(",\"rate-limits\":[");
            for (int i = 0; i < limits.length; i++) {
                RateLimit l = limits[i];
                sb.append(i == 0 ? "{" : ",{");
                Fields f = new Fields(sb);
                if (l.limit().indexOf(',') >= 0) {
                    f.array("limit", List.of(l.limit().split("\\s*,\\s*")));
                } else {
                    f.string("limit", l.limit());
                }
                f.string("by", l.by().configName());
                f.optional("name", l.name());
                f.optional("header", l.header());
                f.optional("on-missing", l.onMissing());
                if (l.maxKeys() != 0) {
                    f.number("max-keys", l.maxKeys());
                }
                sb.append('}');
            }
            sb.append(']');
        }
        Throttle t = pick(type, method, Throttle.class);
        if (t != null) {
            sb.append(",\"throttle\":{");
            Fields f = new Fields(sb);
            f.number("max-concurrent", t.maxConcurrent());
            f.number("queue", t.queue());
            f.optional("max-wait", t.maxWait());
            sb.append('}');
        }
        CircuitBreaker b = pick(type, method, CircuitBreaker.class);
        if (b != null) {
            sb.append(",\"circuit-breaker\":{");
            Fields f = new Fields(sb);
            f.optional("name", b.name());
            f.positive("failure-rate", b.failureRate());
            f.positive("minimum-calls", b.minimumCalls());
            f.optional("window", b.window());
            f.optional("open-for", b.openFor());
            f.positive("half-open-calls", b.halfOpenCalls());
            f.optional("slow-call", b.slowCall());
            if (b.failureStatuses().length > 0) {
                f.array("failure-statuses", List.of(b.failureStatuses()));
            }
            f.optional("mode", b.mode());
            sb.append('}');
        }
        Timeout to = pick(type, method, Timeout.class);
        if (to != null) {
            sb.append(",\"timeout\":{");
            Fields f = new Fields(sb);
            f.string("after", to.value());
            f.positive("status", to.status());
            sb.append('}');
        }
        Fallback fb = pick(type, method, Fallback.class);
        if (fb != null) {
            sb.append(",\"fallback\":{");
            Fields f = new Fields(sb);
            f.positive("status", fb.status());
            f.optional("content-type", fb.contentType());
            f.optional("body", fb.body());
            f.optional("stale-cache", fb.staleCache());
            if (fb.handler() != FallbackHandler.class) {
                f.string("handler", fb.handler().getName());
            }
            if (fb.on().length > 0) {
                f.array("on", List.of(fb.on()));
            }
            sb.append('}');
        }
        return sb.append("}]}").toString();
    }

    private static <A extends Annotation> A pick(Class<?> type, Method method, Class<A> a) {
        A m = method.getAnnotation(a);
        return m != null ? m : type.getAnnotation(a);
    }

    private static void array(StringBuilder sb, List<String> values) {
        sb.append('[');
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            Json.string(sb, values.get(i));
        }
        sb.append(']');
    }

    /** Writes the members of one JSON object, commas included. */
    private static final class Fields {
        private final StringBuilder sb;
        private boolean first = true;

        Fields(StringBuilder sb) {
            this.sb = sb;
        }

        private void key(String k) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            Json.string(sb, k);
            sb.append(':');
        }

        void string(String k, String v) {
            key(k);
            Json.string(sb, v);
        }

        void optional(String k, String v) {
            if (!v.isEmpty()) {
                string(k, v);
            }
        }

        void number(String k, long v) {
            key(k);
            sb.append(v);
        }

        /** 0 means "the default"; a negative value is passed on so the loader names it. */
        void positive(String k, int v) {
            if (v != 0) {
                number(k, v);
            }
        }

        void array(String k, List<String> values) {
            key(k);
            AnnotationPolicies.array(sb, values);
        }
    }
}
