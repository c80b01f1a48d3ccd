package dev.seawall.core.internal.policy;

import dev.seawall.core.policy.PathPattern;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PathPolicyTableTest {

    private static PathPolicyTable<String> table(Object... patternMethodsName) {
        PathPolicyTable.Builder<String> b = PathPolicyTable.builder();
        for (int i = 0; i < patternMethodsName.length; i += 3) {
            @SuppressWarnings("unchecked")
            Set<String> methods = (Set<String>) patternMethodsName[i + 1];
            String name = (String) patternMethodsName[i + 2];
            b.add((String) patternMethodsName[i], methods, name, name);
        }
        return b.build();
    }

    @Test
    void exactBeatsPrefixBeatsExtensionBeatsDefault() {
        PathPolicyTable<String> t = table(
                "/", Set.of(), "default",
                "*.json", Set.of(), "json",
                "/api/*", Set.of(), "api",
                "/api/login", Set.of(), "login");
        assertThat(t.match("GET", "/api/login")).isEqualTo("login");
        assertThat(t.match("GET", "/api/items.json")).isEqualTo("api");
        assertThat(t.match("GET", "/static/x.json")).isEqualTo("json");
        assertThat(t.match("GET", "/static/x.html")).isEqualTo("default");
    }

    @Test
    void longestPrefixWins() {
        PathPolicyTable<String> t = table(
                "/*", Set.of(), "all",
                "/api/*", Set.of(), "api",
                "/api/v1/*", Set.of(), "v1");
        assertThat(t.match("GET", "/api/v1/orders/7")).isEqualTo("v1");
        assertThat(t.match("GET", "/api/v2/orders")).isEqualTo("api");
        assertThat(t.match("GET", "/other")).isEqualTo("all");
        assertThat(t.match("GET", "/")).isEqualTo("all");
    }

    @Test
    void prefixPatternMatchesItsBareDirectoryButNotASiblingWithTheSameStart() {
        PathPolicyTable<String> t = table("/api/*", Set.of(), "api");
        assertThat(t.match("GET", "/api")).isEqualTo("api");
        assertThat(t.match("GET", "/api/")).isEqualTo("api");
        assertThat(t.match("GET", "/apix")).isNull();
        assertThat(t.match("GET", "/ap")).isNull();
    }

    @Test
    void methodFilterFallsBackToTheNextMostSpecificPattern() {
        PathPolicyTable<String> t = table(
                "/api/orders", Set.of("POST"), "create-orders",
                "/api/*", Set.of(), "api");
        assertThat(t.match("POST", "/api/orders")).isEqualTo("create-orders");
        assertThat(t.match("GET", "/api/orders")).isEqualTo("api");
    }

    @Test
    void samePatternWithDisjointMethodsIsNotATie() {
        PathPolicyTable<String> t = table(
                "/api/*", Set.of("GET"), "reads",
                "/api/*", Set.of("POST", "PUT"), "writes");
        assertThat(t.match("GET", "/api/x")).isEqualTo("reads");
        assertThat(t.match("PUT", "/api/x")).isEqualTo("writes");
        assertThat(t.match("DELETE", "/api/x")).isNull();
    }

    @Test
    void samePatternWithOverlappingMethodsIsATie() {
        assertThatThrownBy(() -> table(
                "/api/*", Set.of("GET"), "a",
                "/api/*", Set.of(), "b"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("/api/*").hasMessageContaining("a").hasMessageContaining("b");
    }

    @Test
    void extensionMatchesOnlyTheLastSegment() {
        PathPolicyTable<String> t = table("*.json", Set.of(), "json");
        assertThat(t.match("GET", "/a.json/b")).isNull();
        assertThat(t.match("GET", "/a/b.json")).isEqualTo("json");
        assertThat(t.match("GET", "/a/b.")).isNull();
        assertThat(t.match("GET", "/a/b.tar.json")).isEqualTo("json");
    }

    @Test
    void noPolicyMeansNull() {
        PathPolicyTable<String> t = table("/login", Set.of(), "login");
        assertThat(t.match("GET", "/logout")).isNull();
        assertThat(t.match("GET", "/login/")).isNull();
        assertThat(PathPolicyTable.<String>builder().build().match("GET", "/x")).isNull();
    }

    @Test
    void manyPatternsWithCollidingHashesStillResolve() {
        PathPolicyTable.Builder<String> b = PathPolicyTable.builder();
        // "Aa" and "BB" have the same String.hashCode(): the table must compare text, not only hashes
        b.add("/Aa/*", Set.of(), "Aa", "Aa");
        b.add("/BB/*", Set.of(), "BB", "BB");
        for (int i = 0; i < 500; i++) {
            b.add("/p" + i + "/*", Set.of(), "p" + i, "p" + i);
        }
        PathPolicyTable<String> t = b.build();
        assertThat(t.match("GET", "/Aa/x")).isEqualTo("Aa");
        assertThat(t.match("GET", "/BB/x")).isEqualTo("BB");
        for (int i = 0; i < 500; i++) {
            assertThat(t.match("GET", "/p" + i + "/q")).isEqualTo("p" + i);
        }
    }

    @Test
    void rejectsPatternsThatAreNotServletUrlPatterns() {
        for (String bad : new String[] {"", "api", "/api*", "/a/*/b", "*.", "*.a/b", "/api/*/*", "/a b", "**",
                "/api//*", "*.js*"}) {
            assertThatThrownBy(() -> PathPattern.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void hostilePathsNeverThrow() {
        PathPolicyTable<String> t = table("/api/*", Set.of(), "api", "*.x", Set.of(), "x", "/", Set.of(), "d");
        String[] paths = {"", "/", "//", "/.", "/..", "/a/.x", "/" + "a/".repeat(5000), "/\u0000/x", "/%2e%2e/api"};
        for (String p : paths) {
            assertThat(t.match("GET", p)).as(p).isNotNull();
        }
        assertThat(t.match(null, "/api")).isNull();
        assertThat(t.match("GET", null)).isNull();
    }
}
