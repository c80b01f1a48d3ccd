package dev.seawall.e2e;

import dev.seawall.e2e.container.ContainerKind;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.resource.ResourceFactory;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Jetty's own default, which the compatibility table warns about: a {@code WebAppContext} whose Seawall filter fails
 * to start (an invalid configuration) does not fail the server's start unless
 * {@code setThrowUnavailableOnStartupException(true)}; the server stays up and answers 503 on every path of the
 * context. ContainerSetUpEndToEndTest shows start-up failing with the setting. Fails the day Jetty's default changes.
 * Runs in the Jetty execution only (tag {@code jetty-only}, excluded from the others in src/test/pom.xml).
 */
@Tag("jetty-only")
class JettyDefaultsEndToEndTest {

    @Test
    void withoutThrowUnavailableOnStartupExceptionJettyKeepsABrokenContextUpAnswering503() throws Exception {
        assumeTrue(TestServer.container() == ContainerKind.JETTY, "Jetty's WebAppContext default");
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        WebAppContext webapp = new WebAppContext();
        webapp.setContextPath("/");
        webapp.setBaseResource(ResourceFactory.of(webapp).newClassLoaderResource("webapps/broken"));
        webapp.setParentLoaderPriority(true);
        assertThat(webapp.isThrowUnavailableOnStartupException()).as("Jetty's default").isFalse();
        server.setHandler(webapp);
        try {
            server.start(); // does not throw
            assertThat(webapp.isAvailable()).isFalse();
            RawHttp.Answer answer = RawHttp.get(connector.getLocalPort(), "/api/1");
            assertThat(answer.status()).isEqualTo(503);
            assertThat(RawHttp.get(connector.getLocalPort(), "/anything").status()).isEqualTo(503);
        } finally {
            server.stop();
        }
    }
}
