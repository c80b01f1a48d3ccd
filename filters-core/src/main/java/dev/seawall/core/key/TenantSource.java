package dev.seawall.core.key;

import java.util.Locale;

/** Where a tenant id is read from ({@code source:} of a {@code by: tenant} limit). Immutable. */
public enum TenantSource {
    /** A request header, {@code X-Tenant-ID} unless {@code header:} says otherwise (default). */
    HEADER("header"),
    /** The first label of the Host, e.g. {@code acme} of {@code acme.example.com}. */
    SUBDOMAIN("subdomain"),
    /** A segment of the request path, counted from 0 ({@code segment:}), e.g. 1 of {@code /t/acme/orders}. */
    PATH_SEGMENT("path-segment");

    private final String configName;

    TenantSource(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    /** @return the source for a config value, or null when unknown */
    public static TenantSource fromConfigName(String value) {
        if (value == null) {
            return null;
        }
        String v = value.trim().toLowerCase(Locale.ROOT);
        for (TenantSource s : values()) {
            if (s.configName.equals(v)) {
                return s;
            }
        }
        return null;
    }
}
