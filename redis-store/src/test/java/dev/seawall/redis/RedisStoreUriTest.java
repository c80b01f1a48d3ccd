package dev.seawall.redis;

import dev.seawall.core.config.ConfigException;
import dev.seawall.core.config.ConfigLoader;
import dev.seawall.core.config.InvalidSettingException;
import dev.seawall.core.time.NanoClock;
import io.lettuce.core.RedisURI;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The accepted forms of {@code store.uri} (one server, sentinels, cluster seeds) and hostile ones: every refusal
 * names the key and what is wrong, and never the URI's password.
 */
class RedisStoreUriTest {

    private static final String PASSWORD = "hunter2-Secret-pw";
    private static final String POLICY = "policies:\n  - name: api\n    paths: [/api/*]\n    rate-limits:\n"
            + "      - by: ip\n        limit: 5/1m\n";

    private static final String NOT_PRINTABLE = "is not a Redis URI (at most 2000 printable ASCII characters, no"
            + " spaces; percent-encode others)";

    private static RedisConnector.Target parse(String uri) {
        return RedisConnector.parse(uri);
    }

    @Test
    void oneServerSentinelsAndClusterSeedsAreAccepted() {
        RedisConnector.Target one = parse("rediss://:" + PASSWORD + "@cache.internal:6380/2");
        assertThat(one.topology()).isEqualTo(RedisConnector.Topology.STANDALONE);
        assertThat(one.nodes().get(0).isSsl()).isTrue();
        assertThat(one.nodes().get(0).getDatabase()).isEqualTo(2);

        RedisConnector.Target sentinel = parse("redis-sentinel://:" + PASSWORD
                + "@s1.internal:26379,s2.internal:26380,s3.internal/1#mymaster");
        assertThat(sentinel.topology()).isEqualTo(RedisConnector.Topology.SENTINEL);
        RedisURI s = sentinel.nodes().get(0);
        assertThat(s.getSentinelMasterId()).isEqualTo("mymaster");
        assertThat(s.getSentinels()).extracting(RedisURI::getHost, RedisURI::getPort).containsExactly(
                org.assertj.core.groups.Tuple.tuple("s1.internal", 26379),
                org.assertj.core.groups.Tuple.tuple("s2.internal", 26380),
                org.assertj.core.groups.Tuple.tuple("s3.internal", 26379));
        assertThat(s.getDatabase()).isEqualTo(1);
        assertThat(new String(s.getCredentialsProvider().resolveCredentials().block().getPassword()))
                .isEqualTo(PASSWORD);
        assertThat(parse("rediss-sentinel://s1:26379#m").nodes().get(0).isSsl()).isTrue();

        RedisConnector.Target cluster = parse("redis-cluster://app:" + PASSWORD
                + "@n1.internal:7000,n2.internal:7001,n3.internal?timeout=2s");
        assertThat(cluster.topology()).isEqualTo(RedisConnector.Topology.CLUSTER);
        assertThat(cluster.nodes()).extracting(RedisURI::getHost, RedisURI::getPort).containsExactly(
                org.assertj.core.groups.Tuple.tuple("n1.internal", 7000),
                org.assertj.core.groups.Tuple.tuple("n2.internal", 7001),
                org.assertj.core.groups.Tuple.tuple("n3.internal", 6379));
        assertThat(cluster.nodes()).allSatisfy(u -> {
            assertThat(u.getUsername()).isEqualTo("app");
            assertThat(new String(u.getCredentialsProvider().resolveCredentials().block().getPassword()))
                    .isEqualTo(PASSWORD);
            assertThat(u.getTimeout()).hasSeconds(2);
            assertThat(u.isSsl()).isFalse();
        });
        assertThat(parse("rediss-cluster://n1:7000/0").nodes()).allMatch(RedisURI::isSsl);
    }

    @Test
    void theYamlAcceptsEveryFormAndRedactsIt() {
        for (String uri : List.of("redis://127.0.0.1:6379", "redis-sentinel://:" + PASSWORD + "@10.0.0.1:26379,"
                + "10.0.0.2:26379#seawall", "redis-cluster://:" + PASSWORD + "@10.0.0.1:7000,10.0.0.2:7000")) {
            var c = ConfigLoader.parse("seawall.yaml", "store:\n  type: redis\n  uri: " + uri
                    + "\n  key-salt: 0123456789abcdef-secret\n" + POLICY);
            RedisStoreSettings s = (RedisStoreSettings) c.store().settings();
            assertThat(s.uri()).isEqualTo(uri);
            assertThat(s.redactedUri()).doesNotContain(PASSWORD).doesNotContain("@");
            assertThat(s.toString()).doesNotContain(PASSWORD);
        }
        RedisStoreSettings s = RedisStoreSettings.builder().uri("redis-sentinel://:" + PASSWORD
                + "@10.0.0.1:26379,10.0.0.2:26379/0?timeout=5s#seawall").keySalt("0123456789abcdef").build();
        assertThat(s.redactedUri()).isEqualTo("redis-sentinel://10.0.0.1:26379,10.0.0.2:26379/0?...#seawall");
    }

    @Test
    void eachMistakeIsNamedWithoutQuotingTheUri() {
        refused("http://" + PASSWORD + "@h:1", "is not a redis://, rediss://, redis-sentinel://, rediss-sentinel://,"
                + " redis-cluster:// or rediss-cluster:// URI");
        refused("redis-sentinel://:" + PASSWORD + "@h1:26379,h2:26379",
                "a sentinel URI ends with #master-name (the name the sentinels monitor)");
        refused("redis-sentinel://:" + PASSWORD + "@h1:26379#", "a sentinel URI ends with #master-name"
                + " (the name the sentinels monitor)");
        refused("redis-cluster://:" + PASSWORD + "@h1:7000,h2:7000#m",
                "a cluster URI has no #fragment (a master name is for sentinel URIs)");
        refused("redis-cluster://:" + PASSWORD + "@h1:7000,h2:7000/3", "a Redis Cluster has database 0 only");
        refused("redis-cluster://:" + PASSWORD + "@h1:7000,,h2:7000", "a cluster URI has an empty host between commas");
        refused("redis-cluster://:" + PASSWORD + "@", "a cluster URI names at least one host:port");
        refused("redis-cluster://:" + PASSWORD + "@h1:99999", "is not a usable Redis URI (Lettuce cannot parse it)");
        refused("redis://:" + PASSWORD + "@h1:70000", "is not a usable Redis URI (Lettuce cannot parse it)");
        refused("redis://:" + PASSWORD + "@h1 :6379", NOT_PRINTABLE);
        refused("redis://:" + PASSWORD + "@h1\u0000:6379", NOT_PRINTABLE);
        refused("redis://:" + PASSWORD + "@" + "h".repeat(2000), NOT_PRINTABLE);
        refused("redis-cluster://" + "h:1,".repeat(64) + "h:1", "a cluster URI names at most 64 seed nodes");
        refused("", NOT_PRINTABLE);
        refused("redis://:" + PASSWORD + "@h\u202e1:6379", NOT_PRINTABLE);
        refused("redis://:p\u00e9ss-" + PASSWORD + "@h1:6379", NOT_PRINTABLE);
    }

    private static void refused(String uri, String message) {
        assertThatThrownBy(() -> parse(uri)).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
        assertThatThrownBy(() -> RedisStoreSettings.builder().uri(uri)).isInstanceOf(InvalidSettingException.class)
                .hasMessage("uri: " + message);
        if (!uri.isEmpty() && uri.chars().noneMatch(c -> c < ' ')) {
            Throwable t = catchThrowable(() -> ConfigLoader.parse("seawall.yaml", "store:\n  type: redis\n  uri: \""
                    + uri + "\"\n  key-salt: 0123456789abcdef-secret\n" + POLICY));
            assertThat(t).isInstanceOf(ConfigException.class).hasMessageContaining("store.uri: " + message);
            assertThat(t.getMessage()).doesNotContain(PASSWORD);
        }
    }

    @Test
    void aHashTagInTheKeyPrefixIsRecognisedAsRedisClusterDoes() {
        assertThat(RedisBucketStore.hashTagged("{seawall}:")).isTrue();
        assertThat(RedisBucketStore.hashTagged("app:{x}")).isTrue();
        assertThat(RedisBucketStore.hashTagged("seawall:")).isFalse();
        assertThat(RedisBucketStore.hashTagged("{}seawall:")).as("an empty tag hashes the whole key").isFalse();
        assertThat(RedisBucketStore.hashTagged("a{b:")).isFalse();
        assertThat(RedisBucketStore.hashTagged("a}b{")).isFalse();
    }

    /** Random damage to URIs holding a password: parsed or refused with an IllegalArgumentException, never echoed. */
    @Test
    void damagedUrisNeverThrowAnythingElseNorEchoThePassword() {
        String[] bases = {"redis://:" + PASSWORD + "@h1:6379/0", "redis-sentinel://u:" + PASSWORD
                + "@h1:26379,h2:26379/0#m", "rediss-cluster://:" + PASSWORD + "@h1:7000,h2:7001?timeout=1s"};
        String alphabet = ":/@#?,%[]{}=&.-_0123456789aZ\u00e9\u202e";
        Random random = new Random(42);
        for (int i = 0; i < 3_000; i++) {
            StringBuilder u = new StringBuilder(bases[i % bases.length]);
            for (int edits = 1 + random.nextInt(3); edits > 0; edits--) {
                int at = random.nextInt(u.length() + 1);
                switch (random.nextInt(3)) {
                    case 0 -> u.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
                    case 1 -> {
                        if (at < u.length()) {
                            u.deleteCharAt(at);
                        }
                    }
                    default -> {
                        if (at < u.length()) {
                            u.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
                        }
                    }
                }
            }
            String uri = u.toString();
            try {
                RedisConnector.Target t = parse(uri);
                assertThat(t.nodes()).isNotEmpty();
                String redacted = new RedisStoreSettings(uri, "p:", java.time.Duration.ofMillis(50),
                        RedisStoreSettings.OnFailure.LOCAL, 1, "0123456789abcdef", java.time.Duration.ofSeconds(1), 1,
                        "script", "none").redactedUri();
                if (uri.contains("@" ) && uri.indexOf('@') > uri.indexOf("://")) {
                    assertThat(redacted).as(uri).doesNotContain(PASSWORD);
                }
            } catch (IllegalArgumentException e) {
                assertThat(e.getMessage()).as(uri).doesNotContain(PASSWORD).doesNotContain("h1");
            }
        }
    }

    @Test
    void aStoreThatCannotReachItsSentinelsStartsAndDescribesItselfWithoutThePassword() {
        String uri = "redis-sentinel://:" + PASSWORD + "@127.0.0.1:" + RedisProcess.freePort(false) + "#seawall";
        try (RedisBucketStore store = new RedisBucketStore(RedisTestSupport.config(uri,
                RedisStoreSettings.OnFailure.ALLOW, 1), NanoClock.system(), new SimpleMeterRegistry(), false)) {
            assertThat(store.up()).isFalse();
            assertThat(store.describe()).doesNotContain(PASSWORD).contains("(down: on-failure allow)");
            assertThat(store.buckets(new dev.seawall.core.ratelimit.BucketSpec("api", "l", "default",
                    List.of(new dev.seawall.core.ratelimit.Rate(1, java.time.Duration.ofMinutes(1))), 10,
                    NanoClock.system())).tryConsumeOne(1L).isConsumed()).isTrue();
        }
    }
}
