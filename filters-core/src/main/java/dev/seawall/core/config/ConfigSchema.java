package dev.seawall.core.config;

import dev.seawall.core.chain.StageKind;
import dev.seawall.core.fallback.FallbackTrigger;
import dev.seawall.core.internal.config.ConfigValues;
import dev.seawall.core.key.KeyKind;
import dev.seawall.core.key.OnMissing;
import dev.seawall.core.key.TenantSource;
import dev.seawall.core.key.ApiKeyResolver;
import dev.seawall.core.key.TenantResolver;
import dev.seawall.core.outbound.Jitter;
import dev.seawall.core.ratelimit.RateLimitHeaders;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import static dev.seawall.core.config.SchemaFragment.anyOf;
import static dev.seawall.core.config.SchemaFragment.bool;
import static dev.seawall.core.config.SchemaFragment.choice;
import static dev.seawall.core.config.SchemaFragment.integer;
import static dev.seawall.core.config.SchemaFragment.list;
import static dev.seawall.core.config.SchemaFragment.map;
import static dev.seawall.core.config.SchemaFragment.of;
import static dev.seawall.core.config.SchemaFragment.ref;
import static dev.seawall.core.config.SchemaFragment.string;

/**
 * Every block of {@code seawall.yaml} and its keys: the one list the YAML readers take their allowed keys from
 * ({@link Block#names()}) and the JSON Schema is generated from ({@link ConfigSchemaWriter}), so that the two cannot
 * disagree. Defaults and ranges are the builders' own constants; a rule that depends on other keys (a throttle's
 * per-key slots at most its limit) stays in the builder and is only described here.
 *
 * <p>Immutable after class initialisation; thread-safe.
 */
final class ConfigSchema {

    /** One key of a block, with the schema of its value (its description first). */
    record Key(String name, SchemaFragment value) {
    }

    /**
     * A mapping of {@code seawall.yaml}: its name under the schema's {@code definitions}, its keys in the order the
     * reference lists them, the keys it requires, whether keys beyond its own are allowed ({@code store:}, whose
     * other keys belong to the store module serving its type), and rules between its keys that a schema can state
     * (keywords added to the block's object schema), or null.
     */
    record Block(String id, String description, List<Key> keys, List<String> required, boolean open,
                 SchemaFragment rules) {

        /** @return this block with {@code rules} added to its object schema */
        Block withRules(SchemaFragment more) {
            return new Block(id, description, keys, required, open, more);
        }

        /** @return the names of the keys, for the reader's unknown-key check */
        Set<String> names() {
            Set<String> out = new LinkedHashSet<>();
            for (Key k : keys) {
                out.add(k.name());
            }
            return Set.copyOf(out);
        }
    }

    /**
     * A servlet url-pattern as {@code PathPattern.parse} takes it: {@code /}, {@code *.ext} (no {@code /}, {@code *}
     * or {@code .} in the extension), {@code /exact} (no {@code *}), or {@code /prefix/*} (segments without
     * {@code *}, no empty segment); printable ASCII only.
     */
    private static final String PATH_PATTERN = "^(/|\\*\\.[!-)+-\\-0-~]+|/[!-)+-~]*|(/[!-)+-.0-~]+)*/\\*)$";
    /** A percent from 0% to 100%, decimals allowed ({@code budget}). */
    private static final String PERCENT = "^(100(\\.0{1,9})?|[0-9]{1,2}(\\.[0-9]{1,9})?)\\s*%$";

    /** Shared value shapes, under {@code definitions}, by name. */
    static final Map<String, SchemaFragment> VALUES = new LinkedHashMap<>();

    static {
        VALUES.put(SchemaFragment.SUBSTITUTION, string().with("pattern", "\\$\\{[A-Za-z_][A-Za-z0-9_]*(:[^}]*)?\\}")
                .described("A value holding ${NAME} or ${NAME:default}: the environment variable's value (or the"
                        + " default) is substituted when the file loads, and checked then."));
        VALUES.put("duration", string("^[0-9]{1,15}(ms|s|m|h|d)$").described("A duration: a whole number and a unit"
                + " ms, s, m, h or d, like 250ms or 30s; longer than zero, at most 365d."));
        VALUES.put("rate", string("^0*[1-9][0-9]{0,17}\\s*/\\s*[0-9]{0,15}(ms|s|m|h|d)$")
                .described("A rate: N requests per period, like 100/1m or 10/s."));
        VALUES.put("rates", anyOf(ref("rate"), list(ref("rate")).minItems(1).maxItems(RateLimitConfig.MAX_RATES))
                .described("A rate, or a list of up to " + RateLimitConfig.MAX_RATES + " rates all enforced on one"
                        + " bucket, like [10/1s, 300/1m]."));
        VALUES.put("size", anyOf(integer(0, Long.MAX_VALUE >> 30), string("^[0-9]{1,12}\\s*([Bb]|[KkMmGg][Bb])?$"))
                .described("A size in bytes, or a whole number of KB, MB or GB (binary units), like 256KB."));
        VALUES.put("status", anyOf(integer(100, 599),
                string("^([1-5][xX][xX]|[1-5][0-9]{2}(\\s*-\\s*[1-5][0-9]{2})?)$"))
                .described("An HTTP status (500), a range (500-599) or a class (5xx), within 100-599."));
        VALUES.put("key-kind", choice(configNames(KeyKind.values(), KeyKind::configName))
                .described("Whose requests: ip, user, api-key or tenant."));
        VALUES.put("mode", choice("enforce", "shadow").def(RateLimitConfig.DEFAULT_MODE).described("enforce: refuse"
                + " as configured; shadow: count and report what would be refused, refuse nothing."));
        VALUES.put("path-pattern", string(PATH_PATTERN)
                .described("A servlet url-pattern: /exact, /prefix/*, *.ext or /."));
        VALUES.put("header-name", string("^" + Check.TOKEN.pattern() + "$").described("An HTTP header name."));
        VALUES.put("name", string("^" + Check.SAFE_NAME.pattern() + "$").described("1-64 characters of a-z 0-9 . _ -,"
                + " starting with a letter or digit."));
    }

    /** The classes of a throttle's {@code priority} and of its {@code criticality}, in the reader's order. */
    static final List<String> PRIORITY_CLASSES = List.of("high", "normal", "low");
    static final List<String> CRITICALITY_CLASSES = List.of("critical", "default", "sheddable");

    private static final SchemaFragment DURATION = ref("duration");
    private static final SchemaFragment SIZE = ref("size");
    private static final SchemaFragment STATUS = ref("status");
    private static final SchemaFragment KEY_KIND = ref("key-kind");
    private static final SchemaFragment PATHS = list(ref("path-pattern"));
    private static final SchemaFragment STRINGS = list(string());
    /**
     * {@code off}. A YAML 1.1 parser (SnakeYAML, Jackson) reads a bare {@code off} as false and {@code on} as true,
     * so the schema takes the booleans too, as the loader, which reads the text, does.
     */
    private static final SchemaFragment OFF = choice("off");

    static final Block EXEMPT = block("exempt", "Requests no stage of the policy (or of the file, at the top level)"
            + " acts on: up to " + ExemptConfig.MAX_ENTRIES + " entries in all.", List.of(),
            key("networks", list(string()), "Client addresses or CIDR blocks, like 10.20.0.0/16 or"
                    + " 2001:db8::/48 (the client address after trusted-proxies)."),
            key("paths", PATHS, "Path patterns exempted."),
            key("roles", STRINGS, "Container roles of the authenticated user exempted."));

    static final Block HEADERS = block("headers", "Response headers Seawall adds.", List.of(),
            key("rate-limit", choice(configNames(RateLimitHeaders.values(), RateLimitHeaders::configName))
                    .def(SeawallConfig.DEFAULT_RATE_LIMIT_HEADERS.configName()), "Rate-limit headers: ietf"
                    + " (RateLimit and RateLimit-Policy), legacy (X-RateLimit-*), both or none."));

    static final Block CLIENT_IP = block("client-ip", "How the client address is read.", List.of(),
            key("ipv6-prefix", integer(1, 128).def(64), "IPv6 clients are grouped by this prefix (128: no"
                    + " grouping)."));

    /**
     * The keys of {@code store: {type: redis}}. They belong to the redis-store module, whose
     * {@code RedisStoreSettings} checks them; the schema states them here because the schema ships in this jar, and
     * a test in that module holds the two lists, their defaults and their ranges to each other.
     */
    static final List<Key> REDIS_STORE = List.of(
            key("uri", string("^(redis|rediss|redis-sentinel|rediss-sentinel|redis-cluster|rediss-cluster)://.+$"),
                    "The Redis server: redis://127.0.0.1:6379 or rediss://:password@host:6380/0 (TLS); Sentinel"
                    + " redis-sentinel://h1:26379,h2:26379#mymaster; Cluster redis-cluster://h1:7000,h2:7001 (seed"
                    + " nodes). A password here is never logged: prefer ${NAME} substitution."),
            key("key-prefix", string("^[A-Za-z0-9:_.{}-]{0,64}$").def("seawall:"), "Prepended to every remote"
                    + " key."),
            key("timeout", DURATION.def("50ms"), "The most a decision waits for Redis before on-failure applies;"
                    + " 1ms-10s."),
            key("on-failure", choice("local", "allow", "deny").def("local"), "While Redis cannot be reached: local"
                    + " (per-node buckets holding limit / nodes), allow (admit all) or deny (429)."),
            key("nodes", integer(1, 10_000).def(1), "Expected node count: with on-failure: local each node allows"
                    + " limit / nodes."),
            key("key-salt", SchemaFragment.substitutable(string().with("minLength", 16)), "The per-deployment secret keying the hash of"
                    + " identities in remote keys; at least 16 characters; give it or key-salt-env."),
            key("key-salt-env", string("^[A-Za-z_][A-Za-z0-9_]{0,127}$"), "The environment variable holding"
                    + " key-salt."),
            key("backoff", DURATION.def("2s"), "How long the store stops trying Redis after failures failures in a"
                    + " row; 10ms-10m."),
            key("failures", integer(1, 1000).def(3), "Consecutive failures that open the store's own breaker."),
            key("engine", choice("script", "bucket4j").def("script"), "script: one atomic Lua call per decision;"
                    + " bucket4j: Bucket4j's compare-and-swap Lettuce integration."),
            key("optimization", choice("none", "batching", "delaying").def("none"), "engine: bucket4j only:"
                    + " Bucket4j's optimization."));

    static final Block STORE = new Block("store", "Where rate-limit buckets live. The keys besides type belong to"
            + " the store module serving the type (redis: dev.seawall:redis-store), which checks them.",
            List.of(key("type", string("^[a-z0-9][a-z0-9._-]{0,63}$").def("local"), "local (in each JVM) or the"
                    + " type of a store module on the class path, like redis.")), List.of(), true,
            of("allOf", List.of(
                    // a local store (type local, or no type) has no other key
                    of("if", of("properties", of("type", of("const", "local")))).with("then",
                            of("propertyNames", of("enum", List.of("type")))).keywords(),
                    of("if", of("properties", of("type", of("const", "redis"))).with("required", List.of("type")))
                            .with("then", of("properties", properties(REDIS_STORE)).with("required", List.of("uri"))
                                    .with("propertyNames", of("enum", names("type", REDIS_STORE))))
                            .keywords())));

    static final Block RATE_LIMIT = block("rate-limit", "One limit of a policy: a rate per key.",
            List.of("by", "limit"),
            key("by", KEY_KIND, "Whose requests share a bucket: ip, user (the authenticated principal), api-key or"
                    + " tenant."),
            key("limit", ref("rates"), "The rate, or rates, for keys without a plan."),
            key("name", ref("name"), "The limit's name in meters and headers (default: the by value); distinct"
                    + " per policy."),
            key("header", ref("header-name"), "by: api-key or tenant: the header read (default "
                    + ApiKeyResolver.DEFAULT_HEADER + " for api-key, " + TenantResolver.DEFAULT_HEADER
                    + " for tenant)."),
            key("on-missing", choice(configNames(OnMissing.values(), OnMissing::configName))
                    .def(RateLimitConfig.DEFAULT_ON_MISSING.configName()), "A request without the key: skip this"
                    + " limit, count it in one shared bucket, or reject it (401). Not with by: ip."),
            key("max-keys", integer(1, RateLimitConfig.MAX_KEYS).def(RateLimitConfig.DEFAULT_MAX_KEYS), "Keys"
                    + " tracked for this limit."),
            key("attribute", string(), "by: user only: a request attribute an authentication filter sets, read"
                    + " instead of the principal."),
            key("source", choice(configNames(TenantSource.values(), TenantSource::configName)).def("header"),
                    "by: tenant only: where the tenant is read."),
            key("segment", integer(0, RateLimitConfig.MAX_SEGMENT), "source: path-segment: the 0-based index of"
                    + " the path segment."),
            key("plans", map(ref("rates")).with("propertyNames", ref("name")), "Named plans and their rates; a"
                    + " PlanResolver (or plan-of) tells each"
                    + " key's plan."),
            key("plan-of", map(SchemaFragment.scalar()), "Key to plan name, for tests and demos; production code uses a"
                    + " PlanResolver."),
            key("store", choice("local", "shared"), "local: buckets in each JVM even with a shared store; shared"
                    + " (the default when a store is configured) needs a top-level store."),
            key("mode", ref("mode"), "enforce (default) or shadow: counted, never refused, never in headers."),
            key("cost", anyOf(integer(1, dev.seawall.core.ratelimit.RequestCost.MAX),
                    map(anyOf(integer(1, dev.seawall.core.ratelimit.RequestCost.MAX), string()))), "Tokens a"
                    + " request takes: a whole number, or {POST: 5, default: 1, attribute: name} by method or by a"
                    + " request attribute the application sets."));

    static final Block ADAPTIVE_LIMIT = block("adaptive-limit", "The limit of max-concurrent: adaptive.", List.of(),
            key("algorithm", choice(configNames(AdaptiveLimitConfig.Algorithm.values(),
                    AdaptiveLimitConfig.Algorithm::configName)).def("gradient2"), "gradient2, vegas or aimd."),
            key("initial", integer(1, ThrottleConfig.MAX_CONCURRENT).def(AdaptiveLimitConfig.DEFAULT_INITIAL),
                    "The limit at start."),
            key("min", integer(1, ThrottleConfig.MAX_CONCURRENT).def(AdaptiveLimitConfig.DEFAULT_MIN),
                    "The lowest limit."),
            key("max", integer(1, ThrottleConfig.MAX_CONCURRENT).def(AdaptiveLimitConfig.DEFAULT_MAX),
                    "The highest limit."),
            key("window", DURATION.def(dur(AdaptiveLimitConfig.DEFAULT_WINDOW)), "Samples are judged per window"
                    + " (at most " + dur(AdaptiveLimitConfig.MAX_WINDOW) + ")."),
            key("window-samples", integer(1, AdaptiveLimitConfig.MAX_WINDOW_SAMPLES)
                    .def(AdaptiveLimitConfig.DEFAULT_WINDOW_SAMPLES), "Samples a window needs before it counts."),
            key("latency-tolerance", decimal(1, true, 10).def(AdaptiveLimitConfig.DEFAULT_LATENCY_TOLERANCE),
                    "gradient2: how much slower than the long-term latency a window may be; above 1, at most 10."),
            key("max-growth", decimal(0, true, 1).def(AdaptiveLimitConfig.DEFAULT_MAX_GROWTH), "The largest share"
                    + " the limit grows by in one window; above 0, at most 1."),
            key("probe-interval", DURATION.def(dur(AdaptiveLimitConfig.DEFAULT_PROBE_INTERVAL)), "How often the"
                    + " limit is probed for a lower latency floor (1s-1d)."),
            key("drop-share", decimal(0, true, 1).def(AdaptiveLimitConfig.DEFAULT_DROP_SHARE), "The share of"
                    + " drops in a window that backs the limit off; above 0, at most 1."),
            key("smoothing", decimal(0, true, 1), "gradient2, vegas: how fast the limit follows (default "
                    + AdaptiveLimitConfig.DEFAULT_GRADIENT2_SMOOTHING + " for gradient2, "
                    + AdaptiveLimitConfig.DEFAULT_VEGAS_SMOOTHING + " for vegas); above 0, at most 1."),
            key("long-window", integer(10, 100_000).def(AdaptiveLimitConfig.DEFAULT_LONG_WINDOW), "gradient2: the"
                    + " windows the long-term latency averages over."),
            key("rtt-tolerance", decimal(1, false, 10).def(AdaptiveLimitConfig.DEFAULT_RTT_TOLERANCE),
                    "gradient2: the round-trip tolerance."),
            key("queue-size", integer(0, 1000).def(AdaptiveLimitConfig.DEFAULT_QUEUE_SIZE), "gradient2: requests"
                    + " allowed above the limit's estimate."),
            key("alpha", integer(1, 1000), "vegas: the queue size below which the limit grows."),
            key("beta", integer(1, 1000), "vegas: the queue size above which the limit shrinks."),
            key("backoff-ratio", SchemaFragment.substitutable(of("type", "number").with("minimum", 0.5)
                    .with("exclusiveMaximum", 1.0)).def(AdaptiveLimitConfig.DEFAULT_BACKOFF_RATIO), "aimd:"
                    + " the factor applied on a drop; 0.5 (included) to 1 (excluded)."),
            key("latency-threshold", DURATION.def(dur(AdaptiveLimitConfig.DEFAULT_LATENCY_THRESHOLD)), "aimd: a"
                    + " call slower than this counts as a drop."));

    static final Block PRIORITY = block("priority", "Priority classes high, normal and low; the first matching"
            + " rule wins.", List.of(),
            key("header", ref("header-name"), "A header whose value is high, normal or low; believed from"
                    + " trusted-proxies only."),
            key("roles", classes(PRIORITY_CLASSES, STRINGS), "Class to container roles."),
            key("paths", classes(PRIORITY_CLASSES, PATHS), "Class to path patterns."));

    static final Block CRITICALITY = block("criticality", "Criticality classes critical, default and sheddable,"
            + " for an adaptive limit.", List.of(),
            key("header", ref("header-name"), "A header whose value is critical, default or sheddable; believed"
                    + " from trusted-proxies only."),
            key("roles", classes(CRITICALITY_CLASSES, STRINGS), "Class to container"
                    + " roles."),
            key("paths", classes(CRITICALITY_CLASSES, PATHS), "Class to path patterns."),
            key("reserve", anyOf(integer(0, 100), string("^(100|[1-9]?[0-9])\\s*%$")).def(0), "The share of the limit"
                    + " kept for critical requests, a whole percent 0-100 (20 or 20%)."),
            key("cohort-rotation", DURATION.def(dur(ThrottleConfig.DEFAULT_COHORT_ROTATION)), "How often the"
                    + " cohorts shed first rotate."));

    static final Block THROTTLE = block("throttle", "Requests inside the application at once, and a queue.",
            List.of("max-concurrent"),
            key("max-concurrent", anyOf(integer(1, ThrottleConfig.MAX_CONCURRENT), choice("adaptive")),
                    "Requests inside the application at once, or adaptive: a limit that moves (see limit)."),
            key("queue", integer(0, ThrottleConfig.MAX_QUEUE).def(ThrottleConfig.DEFAULT_QUEUE), "Requests"
                    + " waiting, holding no thread; beyond it: 503."),
            key("max-wait", DURATION.def(dur(ThrottleConfig.DEFAULT_MAX_WAIT)), "The longest wait in the queue;"
                    + " beyond it: 503."),
            key("priority", ref(PRIORITY.id()), "Priority classes; not with criticality."),
            key("max-concurrent-per-key", integer(0, ThrottleConfig.MAX_CONCURRENT), "A fair share: slots (and"
                    + " queue places) one key may hold, at most max-concurrent; 0 for none."),
            key("per-key", KEY_KIND.def(ThrottleConfig.DEFAULT_PER_KEY.configName()), "Whose share"
                    + " max-concurrent-per-key bounds."),
            key("limit", ref(ADAPTIVE_LIMIT.id()), "With max-concurrent: adaptive: the algorithm and its"
                    + " settings."),
            key("criticality", ref(CRITICALITY.id()), "With max-concurrent: adaptive: criticality classes"
                    + " instead of priority."),
            key("mode", ref("mode"), "enforce (default) or shadow: count would-reject decisions, refuse and"
                    + " delay nothing."));

    static final Block BREAKER = block("circuit-breaker", "Stops calling a failing handler for a while.",
            List.of(),
            key("name", ref("name"), "Policies (or clients) naming the same breaker share it; declare it"
                    + " identically."),
            key("failure-rate", integer(1, 100).def(CircuitBreakerConfig.DEFAULT_FAILURE_RATE), "Percent of"
                    + " recorded calls that opens the breaker."),
            key("minimum-calls", integer(1, CircuitBreakerConfig.MAX_CALLS)
                    .def(CircuitBreakerConfig.DEFAULT_MINIMUM_CALLS), "Calls needed before the rate is judged."),
            key("window", anyOf(integer(1, CircuitBreakerConfig.MAX_CALLS), DURATION)
                    .def(CircuitBreakerConfig.DEFAULT_WINDOW_CALLS), "The last N calls, or a time window of whole"
                    + " seconds like 60s."),
            key("open-for", DURATION.def(dur(CircuitBreakerConfig.DEFAULT_OPEN_FOR)), "Time open before"
                    + " half-open probes."),
            key("half-open-calls", integer(1, CircuitBreakerConfig.MAX_HALF_OPEN_CALLS)
                    .def(CircuitBreakerConfig.DEFAULT_HALF_OPEN_CALLS), "Probes allowed in half-open."),
            key("slow-call", DURATION, "Calls slower than this count as failures."),
            key("failure-statuses", list(STATUS).def(statuses(CircuitBreakerConfig.DEFAULT_FAILURE_STATUSES)),
                    "Answers that count as failures; exceptions and timeouts always count."),
            key("mode", ref("mode"), "enforce (default) or shadow: record and report, never refuse."),
            key("shared", bool().def(false), "Share the breaker's state with every node using the same shared"
                    + " store: one node opening it opens it on all, and half-open probes are counted across the"
                    + " fleet. Needs store type redis; not available on clients."));

    static final Block TIMEOUT = block("timeout", "The longest a request may take before Seawall answers.",
            List.of("after"),
            key("after", DURATION, "The time allowed."),
            key("status", SchemaFragment.substitutable(of("type", "integer").with("enum", List.of(503, 504)))
                    .def(TimeoutConfig.DEFAULT_STATUS), "The status of the timeout answer: 503, or 504 where Seawall"
                    + " stands in for a gateway (TimeoutConfig.Builder#status)."),
            key("deadline-header", ref("header-name"), "A header carrying the caller's own deadline in"
                    + " milliseconds; the shorter one wins."));

    static final Block FALLBACK = block("fallback", "What answers instead of a failure.", List.of(),
            key("status", integer(200, 599).def(FallbackConfig.DEFAULT_STATUS), "The status of the static"
                    + " answer."),
            key("content-type", string().def(FallbackConfig.DEFAULT_CONTENT_TYPE), "The content type of the"
                    + " static answer."),
            key("body", string(), "The static answer's body (at most " + size(FallbackConfig.MAX_STATIC_BODY)
                    + "); not with body-file."),
            key("body-file", string(), "A file holding the body, read when the configuration loads; not with"
                    + " body."),
            key("headers", map(SchemaFragment.scalar()), "Extra headers of the static answer."),
            key("handler", string("^[A-Za-z_$][\\w$]*(\\.[A-Za-z_$][\\w$]*)*$"), "A FallbackHandler class with"
                    + " a public no-argument constructor."),
            key("stale-cache", DURATION, "Serve the caller's newest last-good copy up to this age."),
            key("cache-entries", integer(1, FallbackConfig.MAX_CACHE_ENTRIES)
                    .def(FallbackConfig.DEFAULT_CACHE_ENTRIES), "Bound on copies kept."),
            key("cache-size", SIZE.def(size(FallbackConfig.DEFAULT_CACHE_BYTES)), "Bound on bytes kept (1KB to "
                    + size(FallbackConfig.MAX_CACHE_BYTES) + "; one copy at most an eighth of it)."),
            key("cache-no-store", bool().def(FallbackConfig.DEFAULT_CACHE_NO_STORE), "Keep copies of answers"
                    + " marked Cache-Control: no-store too."),
            key("on", list(choice(configNames(FallbackTrigger.values(), FallbackTrigger::configName)))
                    .def(configNames(FallbackTrigger.values(), FallbackTrigger::configName).stream()
                            .filter(n -> FallbackConfig.DEFAULT_ON.contains(FallbackTrigger.fromConfigName(n)))
                            .toList()), "The failures answered; rate-limit rejections never get a fallback."));

    static final Block IDEMPOTENCY = block("idempotency", "Replays the answer to a repeated request carrying the"
            + " same idempotency key.", List.of(),
            key("header", ref("header-name").def(IdempotencyConfig.DEFAULT_HEADER), "The header carrying the key"
                    + " (a Structured Field String)."),
            key("methods", STRINGS.def(sorted(IdempotencyConfig.DEFAULT_METHODS)), "Methods the key applies to."),
            key("required", bool().def(false), "A request of these methods without the key gets 400."),
            key("expire", DURATION.def(dur(IdempotencyConfig.DEFAULT_EXPIRE)), "How long an answer is kept and"
                    + " replayed (1s to " + dur(IdempotencyConfig.MAX_EXPIRE) + ")."),
            key("scope", KEY_KIND, "Whose keys (default: the policy's most specific limit's)."),
            key("max-body", SIZE.def(size(IdempotencyConfig.DEFAULT_MAX_BODY)), "The largest body fingerprinted;"
                    + " longer: 413 (at most " + size(IdempotencyConfig.MAX_BYTES_PER_REQUEST) + ")."),
            key("max-response", SIZE.def(size(IdempotencyConfig.DEFAULT_MAX_RESPONSE)), "The largest answer kept"
                    + " (at most " + size(IdempotencyConfig.MAX_BYTES_PER_REQUEST) + ")."),
            key("lease", DURATION.def(dur(IdempotencyConfig.DEFAULT_LEASE)), "How long a first request holds its"
                    + " key; longer than the timeout."),
            key("keep", list(STATUS).def(statuses(IdempotencyConfig.DEFAULT_KEEP)), "Answers kept; 408, 409,"
                    + " 425, 429 and 503 never are."),
            key("on-failure", choice(configNames(IdempotencyConfig.OnFailure.values(),
                    IdempotencyConfig.OnFailure::configName)), "While the shared store is down (default: the"
                    + " store's)."),
            key("max-bytes", SIZE.def(size(IdempotencyConfig.DEFAULT_MAX_BYTES)), "This policy's keys and answers"
                    + " in each JVM (1MB to " + size(IdempotencyConfig.MAX_MAX_BYTES) + ")."));

    static final Block POLICY = block("policy", "A policy: the paths it guards and its stages.",
            List.of("name", "paths"),
            key("name", ref("name"), "Unique among policies."),
            key("paths", PATHS.minItems(1), "Servlet url-patterns; the most specific pattern of all policies"
                    + " wins."),
            key("methods", STRINGS.minItems(1), "Methods this policy takes (default every method)."),
            key("rate-limits", list(ref(RATE_LIMIT.id())).minItems(1), "Limits, all enforced."),
            key("throttle", ref(THROTTLE.id()), "Concurrency limit and queue."),
            key("circuit-breaker", ref(BREAKER.id()), "Circuit breaker."),
            key("timeout", anyOf(DURATION, ref(TIMEOUT.id())), "A duration (the after), or a block."),
            key("fallback", ref(FALLBACK.id()), "What answers instead of a failure."),
            key("order", list(choice(stageNames())), "An explicit stage order, outer to inner."),
            key("fail-closed", bool().def(false), "Never a substitute: failures answer 503 problem+json."),
            key("buffer", anyOf(SIZE, OFF, SchemaFragment.constant(false)).def(size(PolicyConfig.DEFAULT_BUFFER_BYTES)),
                    "Response bytes"
                    + " held back so Seawall can still replace them (at most "
                    + size(PolicyConfig.MAX_BUFFER_BYTES) + "), or off."),
            key("idempotency", anyOf(choice("on"), SchemaFragment.constant(true), ref(IDEMPOTENCY.id())), "on (or true)"
                    + " for every default, or a block."),
            key("exempt", ref(EXEMPT.id()), "Requests no stage of this policy acts on, on top of the top-level"
                    + " exempt."))
            // a policy has at least one stage (PolicyConfig.Builder#build)
            .withRules(oneOfKeys("rate-limits", "throttle", "circuit-breaker", "timeout", "fallback", "idempotency"));

    static final Block BACKOFF = block("backoff", "The wait between attempts.", List.of(),
            key("base", DURATION.def(dur(RetryConfig.DEFAULT_BASE)), "The first wait."),
            key("max", DURATION.def(dur(RetryConfig.DEFAULT_MAX)), "The longest wait."));

    static final Block RETRY = block("retry", "Attempts of an outbound call.", List.of(),
            key("max-attempts", integer(1, RetryConfig.MAX_ATTEMPTS).def(RetryConfig.DEFAULT_MAX_ATTEMPTS),
                    "Attempts including the first."),
            key("backoff", ref(BACKOFF.id()), "The wait between attempts."),
            key("jitter", choice(configNames(Jitter.values(), Jitter::configName))
                    .def(RetryConfig.DEFAULT_JITTER.configName()), "full, equal, decorrelated or none."),
            key("on", list(anyOf(STATUS, choice("connect-error", "timeout")))
                    .def(onDefaults()), "Error statuses, ranges, connect-error and timeout retried."),
            key("methods", STRINGS.def(sorted(RetryConfig.DEFAULT_METHODS)), "Methods retried; others only with"
                    + " an Idempotency-Key."),
            key("max-retry-after", DURATION.def(dur(RetryConfig.DEFAULT_MAX_RETRY_AFTER)), "The longest"
                    + " Retry-After waited for."));

    static final Block BUDGET = block("budget", "Retries allowed beyond first attempts.", List.of(),
            key("ratio", string(PERCENT).def(percent(RetryBudgetConfig.DEFAULT_PERCENT)),
                    "Retries as a percent of first attempts, 0%-100%."),
            key("min-per-second", integer(0, RetryBudgetConfig.MAX_MIN_PER_SECOND)
                    .def(RetryBudgetConfig.DEFAULT_MIN_PER_SECOND), "Retries per second allowed whatever the"
                    + " ratio."),
            key("window", DURATION.def(dur(RetryBudgetConfig.DEFAULT_WINDOW)), "The window the ratio is judged"
                    + " over."));

    static final Block CLIENT_TIMEOUT = block("client-timeout", "Time limits of an outbound call.", List.of(),
            key("attempt", DURATION, "The longest single attempt."),
            key("total", DURATION, "The longest call, attempts and waits together."),
            key("margin", string("^[0-9]{1,15}(ms|s|m|h|d)$").def(dur(ClientTimeoutConfig.DEFAULT_MARGIN)),
                    "Taken off an inbound deadline's time left (0ms to under 1m)."),
            key("share", string("^(100|[1-9][0-9]?)\\s*%$").def(ClientTimeoutConfig.DEFAULT_SHARE + "%"), "Of that"
                    + " time one call may use, 1%-100%."),
            key("deadline-header", ref("header-name"), "Send the call's time left downstream in this header, in"
                    + " ms."));

    static final Block HEDGE = block("hedge", "A second attempt sent while the first is still running.",
            List.of("delay"),
            key("delay", DURATION, "How long the first attempt runs alone."));

    static final Block CLIENT = block("client", "An outbound client.", List.of("name"),
            key("name", ref("name"), "Unique among clients."),
            key("hosts", list(string()).minItems(1), "Hosts matched (*.example.com, host:port, [::1]:9000); none:"
                    + " used by name from code."),
            key("paths", PATHS.minItems(1), "Narrow hosts to these url-patterns."),
            key("max-concurrent", integer(1, ClientConfig.MAX_CONCURRENT), "Calls in flight at once (default no"
                    + " bound)."),
            key("max-body", anyOf(SIZE, OFF, SchemaFragment.constant(false)).def(size(ClientConfig.DEFAULT_MAX_BODY)),
                    "Request body"
                    + " kept to send again (at most " + size(ClientConfig.MAX_BODY) + "), or off."),
            key("retry", anyOf(OFF, SchemaFragment.constant(false), ref(RETRY.id())), "off (one attempt) or a block."),
            key("budget", anyOf(ref(BUDGET.id()), string(PERCENT)),
                    "A percent (the ratio), or a block."),
            key("circuit-breaker", ref(BREAKER.id()), "A policy breaker's keys; one breaker per host."),
            key("timeout", anyOf(DURATION, ref(CLIENT_TIMEOUT.id())), "A duration (the total), or a block."),
            key("hedge", anyOf(DURATION, ref(HEDGE.id())), "A duration (the delay), or a block."));

    static final Block ROOT = block("seawall", "seawall.yaml: Seawall's policies and outbound clients.", List.of(),
            key("trusted-proxies", list(string()), "Peers whose forwarding headers are believed (addresses or"
                    + " CIDR blocks); default none."),
            key("headers", ref(HEADERS.id()), "Response headers."),
            key("client-ip", ref(CLIENT_IP.id()), "How the client address is read."),
            key("store", ref(STORE.id()), "Where rate-limit buckets live (default local)."),
            key("exempt", ref(EXEMPT.id()), "Requests no policy of this file acts on."),
            key("policies", list(ref(POLICY.id())).minItems(1).maxItems(SeawallConfig.MAX_POLICIES), "The"
                    + " policies; required unless the file lists clients."),
            key("clients", list(ref(CLIENT.id())).minItems(1).maxItems(SeawallConfig.MAX_CLIENTS), "Outbound"
                    + " clients.")).withRules(oneOfKeys("policies", "clients"));

    /** A requirement that at least one of {@code keys} is present. */
    private static SchemaFragment oneOfKeys(String... keys) {
        List<Object> any = new ArrayList<>();
        for (String k : keys) {
            any.add(Map.of("required", List.of(k)));
        }
        return of("anyOf", List.copyOf(any));
    }

    /** Every block but the root, in the order of the schema's {@code definitions}. */
    static final List<Block> BLOCKS = List.of(POLICY, RATE_LIMIT, THROTTLE, ADAPTIVE_LIMIT, PRIORITY, CRITICALITY,
            BREAKER, TIMEOUT, FALLBACK, IDEMPOTENCY, EXEMPT, HEADERS, CLIENT_IP, STORE, CLIENT, RETRY, BACKOFF, BUDGET,
            CLIENT_TIMEOUT, HEDGE);

    private ConfigSchema() {
    }

    private static Map<String, Object> properties(List<Key> keys) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Key k : keys) {
            out.put(k.name(), k.value().keywords());
        }
        return out;
    }

    private static List<String> names(String first, List<Key> keys) {
        List<String> out = new ArrayList<>(List.of(first));
        for (Key k : keys) {
            out.add(k.name());
        }
        return List.copyOf(out);
    }

    private static Block block(String id, String description, List<String> required, Key... keys) {
        return new Block(id, description, List.of(keys), required, false, null);
    }

    /**
     * A key; its description ends with its range and default as the schema states them, because an editor's hover
     * shows the description and not always the keywords.
     */
    private static Key key(String name, SchemaFragment value, String description) {
        Map<String, Object> k = value.keywords();
        Map<String, Object> range = value.range();
        StringBuilder text = new StringBuilder(description);
        if (range.containsKey("minimum") && range.containsKey("maximum")) {
            text.append(" Range: ").append(number(range.get("minimum"))).append('-')
                    .append(number(range.get("maximum"))).append('.');
        }
        if (k.containsKey("default")) {
            Object d = k.get("default");
            text.append(" Default: ").append(d instanceof List<?> l ? l.toString() : number(d)).append('.');
        }
        return new Key(name, value.described(text.toString()));
    }

    /** A number as people write it: 100,000 for a whole number, 1.5 for a decimal. */
    private static String number(Object n) {
        if (n instanceof Integer || n instanceof Long) {
            return String.format(java.util.Locale.ROOT, "%,d", ((Number) n).longValue());
        }
        return String.valueOf(n);
    }

    private static SchemaFragment decimal(double min, boolean exclusive, double max) {
        return SchemaFragment.substitutable(of("type", "number").with(exclusive ? "exclusiveMinimum" : "minimum", min)
                .with("maximum", max));
    }

    /** A mapping of class names to lists; only the given classes. */
    private static SchemaFragment classes(List<String> names, SchemaFragment values) {
        SchemaFragment props = of(names.get(0), values);
        for (String n : names.subList(1, names.size())) {
            props = props.with(n, values);
        }
        return of("type", "object").with("properties", props).with("additionalProperties", false);
    }

    private static <E> List<String> configNames(E[] values, Function<E, String> name) {
        List<String> out = new ArrayList<>();
        for (E e : values) {
            out.add(name.apply(e));
        }
        return out;
    }

    private static List<String> stageNames() {
        return configNames(StageKind.values(), StageKind::configName);
    }

    private static List<String> sorted(Collection<String> values) {
        return values.stream().sorted().toList();
    }

    private static List<String> statuses(List<StatusRange> ranges) {
        return ranges.stream().map(StatusRange::toString).toList();
    }

    private static List<String> onDefaults() {
        List<String> out = new ArrayList<>(statuses(RetryConfig.DEFAULT_ON_STATUSES));
        out.addAll(Arrays.asList("connect-error", "timeout"));
        return out;
    }

    private static String dur(Duration d) {
        return ConfigValues.formatDuration(d);
    }

    private static String percent(double p) {
        return (p == Math.rint(p) ? Long.toString((long) p) : Double.toString(p)) + "%";
    }

    /** A byte count in the largest binary unit that states it exactly, as the file writes sizes. */
    static String size(long bytes) {
        String[] units = {"GB", "MB", "KB"};
        int[] shifts = {30, 20, 10};
        for (int i = 0; i < units.length; i++) {
            if (bytes > 0 && bytes % (1L << shifts[i]) == 0) {
                return (bytes >> shifts[i]) + units[i];
            }
        }
        return Long.toString(bytes);
    }
}
