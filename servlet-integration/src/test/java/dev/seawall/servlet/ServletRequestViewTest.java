package dev.seawall.servlet;

import jakarta.servlet.http.HttpServletRequest;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ServletRequestViewTest {

    /** A request whose getHeader answers from a map (case-insensitively, as containers do) and logs each call. */
    private static HttpServletRequest request(Map<String, String> headers, List<String> asked) {
        return (HttpServletRequest) Proxy.newProxyInstance(HttpServletRequest.class.getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getHeader")) {
                        String name = (String) args[0];
                        asked.add(name);
                        return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                                .map(Map.Entry::getValue).findFirst().orElse(null);
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    /**
     * The rate limits' header reads and the stale cache's second read of the same headers cost one container lookup
     * each: the first two headers asked for are remembered, present or absent; later ones are always asked for.
     */
    @Test
    void theFirstTwoHeadersAskedForAreReadFromTheContainerOnce() {
        List<String> asked = new ArrayList<>();
        ServletRequestView view = new ServletRequestView(request(Map.of("X-API-Key", "k1", "Cookie", "c=1"), asked),
                "/x");

        assertThat(view.header("X-API-Key")).isEqualTo("k1");
        assertThat(view.header("X-Tenant-ID")).isNull();
        assertThat(view.header("Cookie")).isEqualTo("c=1");
        assertThat(view.header("X-API-Key")).isEqualTo("k1");
        assertThat(view.header("X-Tenant-ID")).isNull();
        assertThat(view.header("Cookie")).isEqualTo("c=1");
        // another spelling is another name to the memo, and the container answers it as the same header
        assertThat(view.header("x-api-key")).isEqualTo("k1");

        assertThat(asked).containsExactly("X-API-Key", "X-Tenant-ID", "Cookie", "Cookie", "x-api-key");
    }

    /** Hostile paths: an encoded slash never takes a request out of a policy's reach (Undertow hands it on as is). */
    @Test
    void policiesAreChosenOnThePathWithEncodedSlashesDecoded() {
        assertThat(ServletRequestView.decodeSlashes("/admin/x")).isSameAs("/admin/x".intern());
        String plain = "/api/50%25";
        assertThat(ServletRequestView.decodeSlashes(plain)).isSameAs(plain);
        assertThat(ServletRequestView.decodeSlashes("/admin%2fx")).isEqualTo("/admin/x");
        assertThat(ServletRequestView.decodeSlashes("/admin%2Fx%2F%2fy")).isEqualTo("/admin/x//y");
        assertThat(ServletRequestView.decodeSlashes("%2Fadmin")).isEqualTo("/admin");
        assertThat(ServletRequestView.decodeSlashes("/a%2")).isEqualTo("/a%2");
        assertThat(ServletRequestView.decodeSlashes("/a%")).isEqualTo("/a%");
        assertThat(ServletRequestView.decodeSlashes("/a%%2f")).isEqualTo("/a%/");
        assertThat(ServletRequestView.decodeSlashes("/a%252f")).as("double-encoded: decoded once by nobody")
                .isEqualTo("/a%252f");
    }
}
