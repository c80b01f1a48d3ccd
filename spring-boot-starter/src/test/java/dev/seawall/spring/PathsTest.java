package dev.seawall.spring;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PathsTest {

    @Test
    void matchesExactPrefixAndExtensionPatterns() {
        PathSplitFilter.Paths p = PathSplitFilter.Paths.of(List.of("/login", "/auth/*", "*.do"), "x");
        assertThat(p.matches("/login")).isTrue();
        assertThat(p.matches("/login/")).isFalse();
        assertThat(p.matches("/loginx")).isFalse();
        assertThat(p.matches("/auth")).isTrue();
        assertThat(p.matches("/auth/token")).isTrue();
        assertThat(p.matches("/authx")).isFalse();
        assertThat(p.matches("/a/b.do")).isTrue();
        assertThat(p.matches("/a.do/b")).isFalse();
        assertThat(PathSplitFilter.Paths.of(List.of(), "x").isEmpty()).isTrue();
        assertThat(PathSplitFilter.Paths.of(List.of("/*"), "x").matches("/anything")).isTrue();
    }

    @Test
    void refusesWhatIsNotAPathPatternNamingTheProperty() {
        for (String bad : new String[] {"login", "/a/*/b", "/a*", "*.", "*.a/b", "**"}) {
            assertThatThrownBy(() -> PathSplitFilter.Paths.of(List.of("/ok", bad), "seawall.filter.before-security"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("seawall.filter.before-security[1]: \"" + bad + "\" is not a servlet"
                            + " url-pattern");
        }
        assertThatThrownBy(() -> PathSplitFilter.Paths.of(List.of(""), "p"))
                .hasMessageStartingWith("p[0]: an empty path pattern");
    }
}
