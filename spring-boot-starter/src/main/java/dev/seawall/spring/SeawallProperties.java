package dev.seawall.spring;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The starter's own {@code seawall.*} properties. Every other key under {@code seawall:} is Seawall's configuration
 * written inline ({@code seawall.policies}, {@code seawall.trusted-proxies}, ...: the keys of {@code seawall.yaml}),
 * read by the starter as a whole and checked by the same rules as the file.
 *
 * <p>Not thread-safe: Spring binds it once at start-up; the starter only reads it afterwards.
 */
@ConfigurationProperties(prefix = "seawall")
public class SeawallProperties {

    /** Names under {@code seawall.} that belong to the starter, never to the inline configuration. */
    static final List<String> STARTER_KEYS = List.of("enabled", "config", "filter", "watch");

    /** Whether the starter installs Seawall at all. */
    private boolean enabled = true;

    /**
     * Where the configuration file is: {@code classpath:seawall.yaml}, {@code file:/etc/app/seawall.yaml} or a file
     * path. Default: {@code classpath:seawall.yaml} when present. Not together with inline keys.
     */
    private String config;

    /** How often a configuration file is checked for changes ({@code off} to never); class-path resources never are. */
    private String watch = "2s";

    private final Filter filter = new Filter();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public String getConfig() {
        return config;
    }

    public void setConfig(String config) {
        this.config = config;
    }

    public String getWatch() {
        return watch;
    }

    public void setWatch(String watch) {
        this.watch = watch;
    }

    public Filter getFilter() {
        return filter;
    }

    /** How the filter is registered. */
    public static class Filter {
        /**
         * The filter's order among the servlet filters. Default: just after Spring Security's filter chain
         * ({@code spring.security.filter.order} + 10), so that {@code by: user} sees the authenticated principal.
         */
        private Integer order;

        /**
         * Path patterns (as in the configuration: {@code /login}, {@code /auth/*}, {@code *.do}) whose policies run in
         * a second Seawall filter ordered before Spring Security, so that the requests Security itself rejects are
         * counted (a per-IP limit on a login path). No principal is known there.
         */
        private List<String> beforeSecurity = new ArrayList<>();

        public Integer getOrder() {
            return order;
        }

        public void setOrder(Integer order) {
            this.order = order;
        }

        public List<String> getBeforeSecurity() {
            return beforeSecurity;
        }

        public void setBeforeSecurity(List<String> beforeSecurity) {
            this.beforeSecurity = beforeSecurity == null ? new ArrayList<>() : beforeSecurity;
        }
    }

    static Duration watchInterval(String value) {
        if (value == null || value.isBlank() || "off".equals(value.trim())) {
            return null;
        }
        return dev.seawall.core.internal.config.ConfigValues.parseDuration(value.trim());
    }
}
