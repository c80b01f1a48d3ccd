package dev.seawall.servlet;

import dev.seawall.core.key.ClientIpResolver;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
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

    /** A container's request from {@code peer} with these header lines and attributes. */
    private static HttpServletRequest containerRequest(String peer, Map<String, List<String>> headers,
                                                       Map<String, Object> attributes) {
        return (HttpServletRequest) Proxy.newProxyInstance(HttpServletRequest.class.getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getRemoteAddr" -> peer;
                    case "getHeaders" -> Collections.enumeration(headers.entrySet().stream()
                            .filter(e -> e.getKey().equalsIgnoreCase((String) args[0]))
                            .map(Map.Entry::getValue).findFirst().orElse(List.of()));
                    case "getHeader" -> headers.entrySet().stream()
                            .filter(e -> e.getKey().equalsIgnoreCase((String) args[0]))
                            .map(e -> e.getValue().get(0)).findFirst().orElse(null);
                    case "getAttribute" -> attributes.get((String) args[0]);
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    /** Wraps a request as Spring's ForwardedHeaderFilter does: the address from X-Forwarded-For, the header hidden. */
    private static HttpServletRequest forwardedHeaderWrapper(HttpServletRequest request) {
        return new HttpServletRequestWrapper(request) {
            @Override
            public String getRemoteAddr() {
                String xff = super.getHeader("X-Forwarded-For");
                return xff == null ? super.getRemoteAddr() : xff.split(",")[0].trim();
            }

            @Override
            public String getHeader(String name) {
                return hidden(name) ? null : super.getHeader(name);
            }

            @Override
            public Enumeration<String> getHeaders(String name) {
                return hidden(name) ? Collections.emptyEnumeration() : super.getHeaders(name);
            }

            private boolean hidden(String name) {
                return name.equalsIgnoreCase("X-Forwarded-For") || name.equalsIgnoreCase("Forwarded");
            }
        };
    }

    private static List<String> values(Iterable<String> it) {
        List<String> l = new ArrayList<>();
        it.forEach(l::add);
        return l;
    }

    @Test
    void thePeerAndTheForwardingHeadersAreReadBelowEveryRequestWrapper() {
        HttpServletRequest container = containerRequest("127.0.0.1",
                Map.of("X-Forwarded-For", List.of("6.6.6.6, 7.7.7.7"), "Forwarded", List.of("for=8.8.8.8")),
                Map.of());
        HttpServletRequest wrapped = new HttpServletRequestWrapper(forwardedHeaderWrapper(container));
        assertThat(wrapped.getRemoteAddr()).as("what the framework's wrapper claims").isEqualTo("6.6.6.6");

        ServletRequestView view = new ServletRequestView(wrapped, "/x");
        assertThat(view.remoteAddress()).isEqualTo("127.0.0.1");
        assertThat(values(view.headers("x-forwarded-for"))).containsExactly("6.6.6.6, 7.7.7.7");
        assertThat(view.header("X-Forwarded-For")).isEqualTo("6.6.6.6, 7.7.7.7");
        assertThat(view.header("Forwarded")).isEqualTo("for=8.8.8.8");
        // no trusted proxies: the client's own header never chooses its key
        assertThat(new ClientIpResolver(dev.seawall.core.key.TrustedProxies.none(), 64).resolve(view))
                .isEqualTo("127.0.0.1");
    }

    @Test
    void theContainersPeerAddressAttributesWinOverARewrittenAddress() {
        Map<String, Object> attributes = new HashMap<>();
        attributes.put(PeerAddress.ATTRIBUTE, " 10.0.0.5 ");
        attributes.put(PeerAddress.FORWARDED_FOR_ATTRIBUTE, new String[] {"1.1.1.1", null, "2.2.2.2"});
        // as Tomcat's RemoteIpValve leaves it: the address rewritten, the header consumed
        HttpServletRequest container = containerRequest("1.1.1.1", Map.of(), attributes);
        ServletRequestView view = new ServletRequestView(container, "/x");
        assertThat(view.remoteAddress()).isEqualTo("10.0.0.5");
        assertThat(values(view.headers("X-Forwarded-For"))).containsExactly("1.1.1.1", "2.2.2.2");
        assertThat(view.header("x-forwarded-for")).isEqualTo("1.1.1.1");

        attributes.put(PeerAddress.FORWARDED_FOR_ATTRIBUTE, new String[0]);
        assertThat(values(new ServletRequestView(container, "/x").headers("X-Forwarded-For"))).isEmpty();
    }

    /** Hostile or broken hooks are ignored, as if absent: never an exception, never a key the client chose. */
    @Test
    void peerAddressAttributesOfTheWrongTypeAreIgnored() {
        Map<String, Object> attributes = new HashMap<>();
        attributes.put(PeerAddress.ATTRIBUTE, new StringBuilder("10.0.0.5"));
        attributes.put(PeerAddress.FORWARDED_FOR_ATTRIBUTE, "1.1.1.1");
        HttpServletRequest container = containerRequest("127.0.0.1",
                Map.of("X-Forwarded-For", List.of("9.9.9.9")), attributes);
        ServletRequestView view = new ServletRequestView(container, "/x");
        assertThat(view.remoteAddress()).isEqualTo("127.0.0.1");
        assertThat(values(view.headers("X-Forwarded-For"))).containsExactly("9.9.9.9");

        attributes.put(PeerAddress.ATTRIBUTE, "   ");
        assertThat(new ServletRequestView(container, "/x").remoteAddress()).as("blank").isEqualTo("127.0.0.1");

        // a peer without a usable list of lines: the header as the container has it
        attributes.put(PeerAddress.ATTRIBUTE, "10.0.0.5");
        attributes.put(PeerAddress.FORWARDED_FOR_ATTRIBUTE, List.of("1.1.1.1"));
        view = new ServletRequestView(container, "/x");
        assertThat(view.remoteAddress()).isEqualTo("10.0.0.5");
        assertThat(values(view.headers("X-Forwarded-For"))).containsExactly("9.9.9.9");

        // the list of lines alone, without the peer, is not believed
        attributes.remove(PeerAddress.ATTRIBUTE);
        attributes.put(PeerAddress.FORWARDED_FOR_ATTRIBUTE, new String[] {"1.1.1.1"});
        assertThat(values(new ServletRequestView(container, "/x").headers("X-Forwarded-For")))
                .containsExactly("9.9.9.9");
    }
}
