package dev.seawall.spring;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.context.ApplicationContext;
import org.springframework.core.env.Environment;
import org.springframework.security.config.annotation.web.HttpSecurityBuilder;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.annotation.web.configurers.CsrfConfigurer;
import org.springframework.security.web.util.matcher.RequestMatcher;

import java.util.Locale;

/**
 * Lets the JSON writes of {@code /actuator/seawall} pass Spring Security's CSRF check, and nothing else. A browser
 * cannot send a cross-site {@code POST} with {@code Content-Type: application/json} (or the actuator's own JSON type)
 * without a CORS preflight, so such a request cannot be forged by another site; a form post to the endpoint still
 * meets the CSRF check. Whether the caller may use the endpoint at all stays the application's security rules.
 *
 * <p>Applied to every {@code HttpSecurity} through Spring Security's default-configurer hook
 * ({@code META-INF/spring.factories}); it only adds an ignore rule to a CSRF configuration that is there, and leaves
 * a filter chain without CSRF alone. Thread-safe once built.
 */
public final class SeawallCsrfConfigurer<H extends HttpSecurityBuilder<H>>
        extends AbstractHttpConfigurer<SeawallCsrfConfigurer<H>, H> {

    @Override
    @SuppressWarnings("unchecked")
    public void init(H http) {
        CsrfConfigurer<H> csrf = http.getConfigurer(CsrfConfigurer.class);
        ApplicationContext context = http.getSharedObject(ApplicationContext.class);
        // by name: SeawallEndpoint's class needs Actuator, which only the bean's existence promises
        if (csrf == null || context == null || !context.containsBean(SeawallEndpointConfiguration.ENDPOINT)) {
            return;
        }
        csrf.ignoringRequestMatchers(new JsonWriteToEndpoint(endpointPath(context.getEnvironment())));
    }

    static String endpointPath(Environment env) {
        String base = env.getProperty("management.endpoints.web.base-path", "/actuator");
        String mapped = env.getProperty("management.endpoints.web.path-mapping.seawall", "seawall");
        String path = (base.endsWith("/") ? base : base + "/") + (mapped.startsWith("/") ? mapped.substring(1) : mapped);
        return path.startsWith("/") ? path : "/" + path;
    }

    /** A JSON {@code POST} to the endpoint's path. */
    private record JsonWriteToEndpoint(String path) implements RequestMatcher {
        @Override
        public boolean matches(HttpServletRequest request) {
            if (!"POST".equals(request.getMethod())) {
                return false;
            }
            String uri = request.getRequestURI();
            String context = request.getContextPath();
            if (context != null && !context.isEmpty() && uri.startsWith(context)) {
                uri = uri.substring(context.length());
            }
            if (!uri.equals(path)) {
                return false;
            }
            String type = request.getContentType();
            if (type == null) {
                return false;
            }
            String media = type.toLowerCase(Locale.ROOT);
            int semicolon = media.indexOf(';');
            media = (semicolon >= 0 ? media.substring(0, semicolon) : media).trim();
            return media.equals("application/json") || media.startsWith("application/vnd.spring-boot.actuator.")
                    && media.endsWith("+json");
        }
    }
}
