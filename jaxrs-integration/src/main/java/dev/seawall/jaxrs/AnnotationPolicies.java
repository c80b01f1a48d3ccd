package dev.seawall.jaxrs;

import dev.seawall.core.config.AdaptiveLimitConfig;
import dev.seawall.core.config.CircuitBreakerConfig;
import dev.seawall.core.config.ConfigException;
import dev.seawall.core.config.FallbackConfig;
import dev.seawall.core.config.IdempotencyConfig;
import dev.seawall.core.config.InvalidSettingException;
import dev.seawall.core.config.PolicyConfig;
import dev.seawall.core.config.RateLimitConfig;
import dev.seawall.core.config.SeawallConfig;
import dev.seawall.core.config.StatusRange;
import dev.seawall.core.config.ThrottleConfig;
import dev.seawall.core.config.TimeoutConfig;
import dev.seawall.core.fallback.FallbackHandler;
import dev.seawall.core.fallback.FallbackTrigger;
import dev.seawall.core.internal.config.ConfigValues;
import dev.seawall.core.internal.config.PolicyFactory;
import dev.seawall.core.key.KeyKind;
import dev.seawall.core.key.OnMissing;
import dev.seawall.core.policy.PathPattern;
import dev.seawall.core.policy.Policy;
import dev.seawall.core.ratelimit.Rate;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads Seawall's annotations on a resource method (method over class) and builds the policy they declare.
 *
 * <p>The annotations are a front end of the config builders, as the YAML file is: each attribute given is forwarded
 * to the builder of the same key, so an annotation means exactly what the same key means in {@code seawall.yaml},
 * with the same defaults and limits. Errors name the annotation:
 * {@code com.example.Orders#list: @RateLimit[0].limit: "10/xyz" is not a rate ...}. The policy's path is the
 * resource's path template, for the status page.
 *
 * <p>Not thread-safe: used while the application starts (one instance per {@link SeawallFeature}), never per
 * request.
 */
final class AnnotationPolicies {

    private static final Pattern PATH = Pattern.compile("policies\\[0\\](?:\\.([a-z-]+)(?:\\[(\\d+)\\])?(?:\\.(.+))?)?");
    private static final Pattern UNSAFE = Pattern.compile("[^a-z0-9._-]+");
    /** A template variable with a regular expression, {@code {id: [0-9]+}}: the name is kept. */
    private static final Pattern VARIABLE_REGEX = Pattern.compile("\\{\\s*([A-Za-z0-9_.-]+)\\s*:[^}]*}");

    private final SeawallConfig base;
    private final PolicyFactory.Context context;
    private final PolicyFactory.Breakers breakers = new PolicyFactory.Breakers();
    private final Set<String> names = new HashSet<>();

    /**
     * @param base the YAML configuration whose top-level settings (trusted proxies, header mode, IPv6 prefix, exempt)
     *             annotation limits share, or null
     */
    AnnotationPolicies(SeawallConfig base, PolicyFactory.Context context) {
        this.base = base;
        this.context = context;
    }

    /** @return true when the method or its class carries a Seawall annotation */
    static boolean annotated(Class<?> type, Method method) {
        for (Class<? extends Annotation> a : List.of(RateLimit.class, RateLimits.class, Throttle.class,
                CircuitBreaker.class, Timeout.class, Fallback.class, Idempotent.class)) {
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
     * @return the configuration the annotations of {@code method} (and its class) declare, built by the same config
     *         builders as the YAML's same keys, or null when there are none
     * @throws IllegalStateException naming the class, method and attribute when a value is invalid
     */
    SeawallConfig config(Class<?> type, Method method) {
        if (!annotated(type, method)) {
            return null;
        }
        String where = type.getName() + "#" + method.getName();
        String name = uniqueName(type, method);
        return new Reading(where).config(type, method, name);
    }

    /** One method's annotations forwarded to the builders; the first refusal fails naming the attribute. */
    private final class Reading {
        private final String where;

        Reading(String where) {
            this.where = where;
        }

        private IllegalStateException fail(String keyPath, String problem) {
            return new IllegalStateException(where + ": " + attribute(keyPath) + problem);
        }

        /** Runs a builder call; its refusal names the attribute of the key below {@code block}. */
        private void set(String block, Runnable setter) {
            try {
                setter.run();
            } catch (InvalidSettingException e) {
                throw fail(e.key().isEmpty() ? block : block + "." + e.key(), e.problem());
            }
        }

        /** Converts a value written in the configuration's syntax; its refusal names the attribute. */
        private <T> T convert(String keyPath, Function<String, T> parser, String text) {
            try {
                return parser.apply(text);
            } catch (InvalidSettingException e) {
                throw e;
            } catch (IllegalArgumentException e) {
                throw fail(keyPath, e.getMessage());
            }
        }

        private <T> T build(String block, Supplier<T> build) {
            try {
                return build.get();
            } catch (InvalidSettingException e) {
                throw fail(e.key().isEmpty() ? block : block + "." + e.key(), e.problem());
            }
        }

        SeawallConfig config(Class<?> type, Method method, String name) {
            SeawallConfig.Builder config = SeawallConfig.builder(where);
            if (base != null) {
                base.trustedProxies().forEach(config::trustedProxy);
                config.rateLimitHeaders(base.rateLimitHeaders()).ipv6Prefix(base.ipv6Prefix()).exempt(base.exempt());
            }
            String at = "policies[0]";
            PolicyConfig.Builder p = PolicyConfig.builder(name).path(pathPattern(type, method));
            RateLimit[] limits = method.getAnnotationsByType(RateLimit.class);
            if (limits.length == 0) {
                limits = type.getAnnotationsByType(RateLimit.class);
            }
            for (int i = 0; i < limits.length; i++) {
                String lp = at + ".rate-limits[" + i + "]";
                RateLimitConfig l = rateLimit(limits[i], lp);
                set(lp, () -> p.rateLimit(l));
            }
            Throttle t = pick(type, method, Throttle.class);
            if (t != null) {
                p.throttle(throttle(t, at + ".throttle"));
            }
            CircuitBreaker b = pick(type, method, CircuitBreaker.class);
            if (b != null) {
                p.circuitBreaker(breaker(b, at + ".circuit-breaker"));
            }
            Timeout to = pick(type, method, Timeout.class);
            if (to != null) {
                p.timeout(timeout(to, at + ".timeout"));
            }
            Fallback fb = pick(type, method, Fallback.class);
            if (fb != null) {
                p.fallback(fallback(fb, at + ".fallback"));
            }
            Idempotent id = pick(type, method, Idempotent.class);
            if (id != null) {
                IdempotencyConfig c = idempotency(id, at + ".idempotency");
                if (method.isAnnotationPresent(Idempotent.class)) {
                    String verb = httpMethod(method);
                    if (verb != null && !c.covers(verb)) {
                        throw fail(at + ".idempotency.methods", "the method answers " + verb + ", which is not"
                                + " among the methods protected (" + String.join(", ", c.methods().stream().sorted()
                                .toList()) + "): list it in methods, or remove the annotation");
                    }
                }
                p.idempotency(c);
            }
            PolicyConfig policy = build(at, p::build);
            return build("", () -> config.policy(policy).build());
        }

        private RateLimitConfig rateLimit(RateLimit l, String at) {
            RateLimitConfig.Builder b = RateLimitConfig.builder(l.by());
            if (l.limit().indexOf(',') >= 0) {
                String[] parts = l.limit().split("\\s*,\\s*");
                List<Rate> rates = new ArrayList<>();
                for (int i = 0; i < parts.length; i++) {
                    rates.add(convert(at + ".limit[" + i + "]", ConfigValues::parseRate, parts[i]));
                }
                set(at, () -> b.rates(rates));
            } else {
                Rate r = convert(at + ".limit", ConfigValues::parseRate, l.limit());
                set(at, () -> b.rates(List.of(r)));
            }
            if (!l.name().isEmpty()) {
                set(at, () -> b.name(l.name()));
            }
            if (!l.header().isEmpty()) {
                set(at, () -> b.header(l.header()));
            }
            if (!l.mode().isEmpty()) {
                set(at, () -> b.mode(l.mode().trim()));
            }
            if (!l.onMissing().isEmpty()) {
                if (l.by() == KeyKind.IP) {
                    set(at, () -> b.onMissing(OnMissing.SKIP)); // refused for by ip, whatever the value
                }
                OnMissing onMissing = OnMissing.fromConfigName(l.onMissing());
                if (onMissing == null) {
                    throw fail(at + ".on-missing", ConfigValues.quote(l.onMissing())
                            + " is not a choice (expected skip, shared or reject)");
                }
                set(at, () -> b.onMissing(onMissing));
            }
            if (l.maxKeys() != 0) {
                long n = convert(at + ".max-keys", ConfigValues::parseWholeNumber, Long.toString(l.maxKeys()));
                set(at, () -> b.maxKeys(n));
            }
            if (l.cost() != 0) {
                set(at, () -> b.costDefault(l.cost()));
            }
            if (!l.costAttribute().isEmpty()) {
                set(at, () -> b.costAttribute(l.costAttribute()));
            }
            return build(at, b::build);
        }

        private ThrottleConfig throttle(Throttle t, String at) {
            ThrottleConfig.Builder b = ThrottleConfig.builder();
            if (t.adaptive()) {
                b.adaptive();
                AdaptiveLimitConfig limit = adaptiveLimit(t, at);
                if (limit != null) {
                    b.limit(limit);
                }
            } else if (!t.algorithm().isEmpty() || t.initial() != 0 || t.min() != 0 || t.max() != 0) {
                String first = !t.algorithm().isEmpty() ? "algorithm" : t.initial() != 0 ? "initial"
                        : t.min() != 0 ? "min" : "max";
                throw fail(at + "." + first, "applies only with adaptive = true");
            }
            if (t.maxConcurrent() != 0 || !t.adaptive()) {
                set(at, () -> b.maxConcurrent(t.maxConcurrent()));
            }
            set(at, () -> b.queue(t.queue()));
            if (!t.mode().isEmpty()) {
                set(at, () -> b.mode(t.mode().trim()));
            }
            if (!t.maxWait().isEmpty()) {
                Duration d = convert(at + ".max-wait", ConfigValues::parseDuration, t.maxWait());
                set(at, () -> b.maxWait(d));
            }
            return build(at, b::build);
        }

        /** @return the adaptive limit the attributes give, or null when all are left at their defaults */
        private AdaptiveLimitConfig adaptiveLimit(Throttle t, String at) {
            if (t.algorithm().isEmpty() && t.initial() == 0 && t.min() == 0 && t.max() == 0) {
                return null;
            }
            AdaptiveLimitConfig.Builder b = AdaptiveLimitConfig.builder();
            if (!t.algorithm().isEmpty()) {
                AdaptiveLimitConfig.Algorithm a = AdaptiveLimitConfig.Algorithm.fromConfigName(t.algorithm().trim());
                if (a == null) {
                    throw fail(at + ".algorithm", ConfigValues.quote(t.algorithm())
                            + " is not a choice (expected gradient2, vegas or aimd)");
                }
                set(at, () -> b.algorithm(a));
            }
            // 0 means "the default"; a negative value is passed on so that the builder names it
            if (t.initial() != 0) {
                set(at, () -> b.initial(t.initial()));
            }
            if (t.min() != 0) {
                set(at, () -> b.min(t.min()));
            }
            if (t.max() != 0) {
                set(at, () -> b.max(t.max()));
            }
            return build(at, b::build);
        }

        private CircuitBreakerConfig breaker(CircuitBreaker c, String at) {
            CircuitBreakerConfig.Builder b = CircuitBreakerConfig.builder();
            if (!c.name().isEmpty()) {
                set(at, () -> b.name(c.name()));
            }
            // 0 means "the default"; a negative value is passed on so that the builder names it
            if (c.failureRate() != 0) {
                set(at, () -> b.failureRate(c.failureRate()));
            }
            if (c.minimumCalls() != 0) {
                set(at, () -> b.minimumCalls(c.minimumCalls()));
            }
            String w = c.window().trim();
            if (!w.isEmpty()) {
                if (w.chars().allMatch(Character::isDigit)) {
                    long n = convert(at + ".window", ConfigValues::parseWholeNumber, w);
                    set(at, () -> b.windowCalls((int) Math.min(Integer.MAX_VALUE, n)));
                } else {
                    Duration d = convert(at + ".window", ConfigValues::parseDuration, w);
                    set(at, () -> b.windowTime(d));
                }
            }
            if (!c.openFor().isEmpty()) {
                Duration d = convert(at + ".open-for", ConfigValues::parseDuration, c.openFor());
                set(at, () -> b.openFor(d));
            }
            if (c.halfOpenCalls() != 0) {
                set(at, () -> b.halfOpenCalls(c.halfOpenCalls()));
            }
            if (!c.slowCall().isEmpty()) {
                Duration d = convert(at + ".slow-call", ConfigValues::parseDuration, c.slowCall());
                set(at, () -> b.slowCall(d));
            }
            if (c.failureStatuses().length > 0) {
                List<StatusRange> statuses = new ArrayList<>();
                for (int i = 0; i < c.failureStatuses().length; i++) {
                    statuses.add(convert(at + ".failure-statuses[" + i + "]", ConfigValues::parseStatusRange,
                            c.failureStatuses()[i]));
                }
                set(at, () -> b.failureStatuses(statuses));
            }
            if (!c.mode().isEmpty()) {
                set(at, () -> b.mode(c.mode().trim()));
            }
            return build(at, b::build);
        }

        private TimeoutConfig timeout(Timeout t, String at) {
            TimeoutConfig.Builder b = TimeoutConfig.builder();
            Duration after = convert(at + ".after", ConfigValues::parseDuration, t.value());
            set(at, () -> b.after(after));
            if (t.status() != 0) {
                set(at, () -> b.status(t.status()));
            }
            if (!t.deadlineHeader().isEmpty()) {
                set(at, () -> b.deadlineHeader(t.deadlineHeader()));
            }
            return build(at, b::build);
        }

        private FallbackConfig fallback(Fallback f, String at) {
            FallbackConfig.Builder b = FallbackConfig.builder();
            if (f.status() != 0) {
                set(at, () -> b.status(f.status()));
            }
            if (!f.contentType().isEmpty()) {
                set(at, () -> b.contentType(f.contentType()));
            }
            if (!f.body().isEmpty()) {
                set(at, () -> b.body(f.body()));
            }
            if (!f.staleCache().isEmpty()) {
                Duration d = convert(at + ".stale-cache", ConfigValues::parseDuration, f.staleCache());
                set(at, () -> b.staleCache(d));
            }
            if (f.handler() != FallbackHandler.class) {
                set(at, () -> b.handler(f.handler().getName()));
            }
            if (f.on().length > 0) {
                Set<FallbackTrigger> on = EnumSet.noneOf(FallbackTrigger.class);
                for (int i = 0; i < f.on().length; i++) {
                    String v = f.on()[i].trim();
                    FallbackTrigger t = FallbackTrigger.fromConfigName(v);
                    if (t == null) {
                        throw fail(at + ".on[" + i + "]", ConfigValues.quote(v) + " is not a failure a fallback"
                                + " answers (expected circuit-open, timeout, error or throttled; rate-limit rejections"
                                + " never get a fallback)");
                    }
                    on.add(t);
                }
                set(at, () -> b.on(on));
            }
            return build(at, b::build);
        }

        private IdempotencyConfig idempotency(Idempotent id, String at) {
            IdempotencyConfig.Builder b = IdempotencyConfig.builder();
            if (!id.header().isEmpty()) {
                set(at, () -> b.header(id.header()));
            }
            if (id.methods().length > 0) {
                set(at, () -> b.methods(List.of(id.methods())));
            }
            set(at, () -> b.required(id.required()));
            if (!id.expire().isEmpty()) {
                Duration d = convert(at + ".expire", ConfigValues::parseDuration, id.expire());
                set(at, () -> b.expire(d));
            }
            if (!id.scope().isEmpty()) {
                KeyKind k = KeyKind.fromConfigName(id.scope().trim());
                if (k == null) {
                    throw fail(at + ".scope", ConfigValues.quote(id.scope())
                            + " is not a scope (expected ip, user, api-key or tenant)");
                }
                set(at, () -> b.scope(k));
            }
            if (!id.maxBody().isEmpty()) {
                long n = convert(at + ".max-body", t -> ConfigValues.parseSize(t,
                        IdempotencyConfig.MAX_BYTES_PER_REQUEST), id.maxBody());
                set(at, () -> b.maxBody(n));
            }
            if (!id.maxResponse().isEmpty()) {
                long n = convert(at + ".max-response", t -> ConfigValues.parseSize(t,
                        IdempotencyConfig.MAX_BYTES_PER_REQUEST), id.maxResponse());
                set(at, () -> b.maxResponse(n));
            }
            if (!id.lease().isEmpty()) {
                Duration d = convert(at + ".lease", ConfigValues::parseDuration, id.lease());
                set(at, () -> b.lease(d));
            }
            if (id.keep().length > 0) {
                List<StatusRange> keep = new ArrayList<>();
                for (int i = 0; i < id.keep().length; i++) {
                    keep.add(convert(at + ".keep[" + i + "]", ConfigValues::parseStatusRange, id.keep()[i]));
                }
                set(at, () -> b.keep(keep));
            }
            if (!id.onFailure().isEmpty()) {
                IdempotencyConfig.OnFailure f = IdempotencyConfig.OnFailure.fromConfigName(id.onFailure().trim());
                if (f == null) {
                    throw fail(at + ".on-failure", ConfigValues.quote(id.onFailure())
                            + " is not a choice (expected local, allow or deny)");
                }
                set(at, () -> b.onFailure(f));
            }
            if (!id.maxBytes().isEmpty()) {
                long n = convert(at + ".max-bytes", t -> ConfigValues.parseSize(t, IdempotencyConfig.MAX_MAX_BYTES),
                        id.maxBytes());
                set(at, () -> b.maxBytes(n));
            }
            return build(at, b::build);
        }
    }

    /** @return the HTTP method a resource method answers ({@code @POST}...), or null for a sub-resource locator */
    static String httpMethod(Method method) {
        for (Annotation a : method.getAnnotations()) {
            HttpMethod h = a.annotationType().getAnnotation(HttpMethod.class);
            if (h != null) {
                return h.value().toUpperCase(Locale.ROOT);
            }
        }
        return null;
    }

    /**
     * What the policy of a resource method applies to, as a path pattern: the resource's path template
     * ({@code /orders/{id}}), its variables' regular expressions left out; {@code /} when the template cannot be
     * written as one (the guard is attached to the method either way: the pattern is what the status page shows).
     */
    static String pathPattern(Class<?> type, Method method) {
        StringBuilder sb = new StringBuilder();
        for (Path p : new Path[] {type.getAnnotation(Path.class), method.getAnnotation(Path.class)}) {
            if (p == null) {
                continue;
            }
            String v = VARIABLE_REGEX.matcher(p.value().trim()).replaceAll("{$1}");
            for (String segment : v.split("/")) {
                if (!segment.isEmpty()) {
                    sb.append('/').append(segment);
                }
            }
        }
        String pattern = sb.length() == 0 ? "/" : sb.toString();
        try {
            PathPattern.parse(pattern);
            return pattern;
        } catch (IllegalArgumentException e) {
            return "/";
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
            case "idempotency" -> "@Idempotent";
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
            if ("cost".equals(head) && "@RateLimit".equals(stage)) {
                // the annotation's cost is cost.default; cost.attribute is costAttribute
                sb.append('.').append(key.endsWith(".attribute") ? "costAttribute" : "cost");
                return sb.append(": ").toString();
            }
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

    private static <A extends Annotation> A pick(Class<?> type, Method method, Class<A> a) {
        A m = method.getAnnotation(a);
        return m != null ? m : type.getAnnotation(a);
    }
}
