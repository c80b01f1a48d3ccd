package dev.seawall.bench;

import dev.seawall.core.http.RequestView;

import java.util.List;

/** A fixed request for benchmarks: its accessors return prepared fields, like a container's request. */
final class BenchRequest implements RequestView {
    private final String method;
    private final String path;
    private final String remote;
    private final String apiKey;
    private final String tenant;
    private final String user;

    BenchRequest(String method, String path, String remote, String apiKey, String tenant, String user) {
        this.method = method;
        this.path = path;
        this.remote = remote;
        this.apiKey = apiKey;
        this.tenant = tenant;
        this.user = user;
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String header(String name) {
        if (name.equalsIgnoreCase("X-API-Key")) {
            return apiKey;
        }
        if (name.equalsIgnoreCase("X-Tenant-ID")) {
            return tenant;
        }
        return null;
    }

    @Override
    public Iterable<String> headers(String name) {
        String v = header(name);
        return v == null ? List.of() : List.of(v);
    }

    @Override
    public String remoteAddress() {
        return remote;
    }

    @Override
    public String host() {
        return "localhost";
    }

    @Override
    public String principalName() {
        return user;
    }

    @Override
    public Object attribute(String name) {
        return null;
    }
}
