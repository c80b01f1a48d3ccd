package dev.seawall.spring;

import dev.seawall.servlet.PeerAddress;
import jakarta.servlet.ServletException;
import org.apache.catalina.Valve;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;
import org.springframework.boot.web.server.WebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;

import java.io.IOException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;

/**
 * Records, for Seawall, the connection's peer address and the {@code X-Forwarded-For} lines as they arrived, before
 * Tomcat's {@code RemoteIpValve} (Spring Boot's {@code server.forward-headers-strategy=native}) rewrites them: Seawall
 * then applies its own {@code trusted-proxies} to what really came in ({@link PeerAddress}).
 *
 * <p>Thread-safe: stateless; Tomcat calls it on every request thread.
 */
final class PeerAddressValve extends ValveBase {

    private static final String[] NONE = new String[0];

    PeerAddressValve() {
        super(true); // async-capable, as every valve in front of an async servlet must be
    }

    @Override
    public void invoke(Request request, Response response) throws IOException, ServletException {
        request.setAttribute(PeerAddress.ATTRIBUTE, request.getRemoteAddr());
        Enumeration<String> lines = request.getHeaders("X-Forwarded-For");
        if (lines == null || !lines.hasMoreElements()) {
            request.setAttribute(PeerAddress.FORWARDED_FOR_ATTRIBUTE, NONE);
        } else {
            List<String> all = new ArrayList<>(2);
            while (lines.hasMoreElements()) {
                all.add(lines.nextElement());
            }
            request.setAttribute(PeerAddress.FORWARDED_FOR_ATTRIBUTE, all.toArray(NONE));
        }
        getNext().invoke(request, response);
    }

    /**
     * Puts the valve first among Tomcat's engine valves, ahead of the {@code RemoteIpValve} that Spring Boot adds in a
     * customizer of its own (ordered 0): this one runs first and adds first.
     *
     * <p>Why reflection for one call: the Tomcat factory's type moved between Spring Boot 3.5
     * ({@code org.springframework.boot.web.embedded.tomcat}) and 4.0 ({@code org.springframework.boot.tomcat}), while
     * its {@code addEngineValves(Valve...)} stayed; naming the method keeps one starter jar for both lines. A factory
     * without it (Jetty, Undertow) is left alone.
     */
    static final class Customizer implements WebServerFactoryCustomizer<WebServerFactory>, Ordered {
        private volatile boolean installed;

        @Override
        public void customize(WebServerFactory factory) {
            Method add;
            try {
                add = factory.getClass().getMethod("addEngineValves", Valve[].class);
            } catch (NoSuchMethodException e) {
                return;
            }
            try {
                add.invoke(factory, (Object) new Valve[] {new PeerAddressValve()});
                installed = true;
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("Seawall: could not add its peer-address valve to Tomcat", e);
            }
        }

        /** @return whether the valve is in Tomcat's engine pipeline */
        boolean installed() {
            return installed;
        }

        @Override
        public int getOrder() {
            return Ordered.HIGHEST_PRECEDENCE;
        }
    }
}
