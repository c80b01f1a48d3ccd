package dev.seawall.core.testing;

import dev.seawall.core.http.RequestView;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A mutable {@link RequestView} for tests. Not thread-safe; share only read-only. */
public final class FakeRequest implements RequestView {

    private String method = "GET";
    private String path = "/";
    private String remote = "192.0.2.1";
    private String host = "localhost";
    private String principal;
    private final java.util.Set<String> roles = new java.util.HashSet<>();
    private final Map<String, List<String>> headers = new HashMap<>();
    private final Map<String, Object> attributes = new HashMap<>();

    public static FakeRequest get(String path) {
        return new FakeRequest().path(path);
    }

    public FakeRequest method(String m) {
        this.method = m;
        return this;
    }

    public FakeRequest path(String p) {
        this.path = p;
        return this;
    }

    public FakeRequest from(String remoteAddress) {
        this.remote = remoteAddress;
        return this;
    }

    public FakeRequest host(String h) {
        this.host = h;
        return this;
    }

    public FakeRequest user(String name) {
        this.principal = name;
        return this;
    }

    /** Gives the user a role (container security). */
    public FakeRequest role(String role) {
        roles.add(role);
        return this;
    }

    /** Adds one header line (repeat for several lines of one header). */
    public FakeRequest header(String name, String value) {
        headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(value);
        return this;
    }

    public FakeRequest attribute(String name, Object value) {
        attributes.put(name, value);
        return this;
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
        List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    @Override
    public Iterable<String> headers(String name) {
        List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
        return v == null ? List.of() : v;
    }

    @Override
    public String remoteAddress() {
        return remote;
    }

    @Override
    public String host() {
        return host;
    }

    @Override
    public String principalName() {
        return principal;
    }

    @Override
    public boolean userInRole(String role) {
        return roles.contains(role);
    }

    @Override
    public Object attribute(String name) {
        return attributes.get(name);
    }
}
