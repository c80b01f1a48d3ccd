package dev.seawall.servlet;

import dev.seawall.core.ConfigSource;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Resolves the {@code config} init-param per CONFIG.md. Stateless; thread-safe.
 * <ul>
 *   <li>{@code classpath:seawall.yaml}: a class-path resource;</li>
 *   <li>{@code /WEB-INF/seawall.yaml}: a servlet-context resource, then a file of that path;</li>
 *   <li>anything else: a file path;</li>
 *   <li>absent: {@code /WEB-INF/seawall.yaml}, then {@code classpath:seawall.yaml}.</li>
 * </ul>
 * The result also says where a reload reads the configuration again: a file (watchable), or a resource re-read on
 * demand. A context resource of an unpacked web application is a file too ({@code getRealPath}).
 */
final class ConfigLocator {

    /** Larger config files are refused before parsing: they are mistakes or attacks, not policies. */
    static final int MAX_BYTES = ConfigSource.MAX_BYTES;

    static final String CLASSPATH = "classpath:";
    static final String DEFAULT_CONTEXT_RESOURCE = "/WEB-INF/seawall.yaml";
    static final String DEFAULT_CLASSPATH_RESOURCE = "seawall.yaml";

    /** The text of a located configuration, the name errors should cite, and where to read it again. */
    record Located(String sourceName, String text, ConfigSource source) {
    }

    private ConfigLocator() {
    }

    static Located locate(String location, ServletContext context) throws ServletException {
        if (location == null || location.isBlank()) {
            Located found = context == null ? null : fromContext(DEFAULT_CONTEXT_RESOURCE, context);
            if (found == null) {
                found = fromClasspath(DEFAULT_CLASSPATH_RESOURCE);
            }
            if (found == null) {
                throw new ServletException("Seawall: no configuration found: set the filter's init-param 'config'"
                        + " (classpath:..., /WEB-INF/..., or a file path), or provide " + DEFAULT_CONTEXT_RESOURCE
                        + " or " + DEFAULT_CLASSPATH_RESOURCE + " on the class path");
            }
            return found;
        }
        String loc = location.trim();
        if (loc.startsWith(CLASSPATH)) {
            String resource = loc.substring(CLASSPATH.length());
            while (resource.startsWith("/")) {
                resource = resource.substring(1);
            }
            Located found = fromClasspath(resource);
            if (found == null) {
                throw new ServletException("Seawall: config " + loc + " was not found on the class path");
            }
            return found;
        }
        if (loc.startsWith("/") && context != null) {
            Located found = fromContext(loc, context);
            if (found != null) {
                return found;
            }
        }
        Path file;
        try {
            file = Path.of(loc);
        } catch (java.nio.file.InvalidPathException e) {
            throw new ServletException("Seawall: config " + loc + " is not a file path (" + e.getReason() + ")");
        }
        if (!Files.isRegularFile(file)) {
            throw new ServletException("Seawall: config " + loc + " was not found"
                    + (loc.startsWith("/") ? " as a servlet-context resource nor as a file" : " as a file")
                    + " (looked for " + file.toAbsolutePath().normalize() + "; working directory "
                    + Path.of("").toAbsolutePath() + ")");
        }
        return read(ConfigSource.file(file), loc);
    }

    /**
     * Reads a location that can be resolved without a servlet context: a class-path resource, or an existing file
     * (a {@code /WEB-INF/} or {@code /META-INF/} path is left to the context).
     *
     * @return the located configuration, or null when only the servlet context can tell
     */
    static Located locateWithoutContext(String location) throws ServletException {
        if (location == null || location.isBlank()) {
            return null;
        }
        String loc = location.trim();
        if (loc.startsWith(CLASSPATH)) {
            return locate(loc, null);
        }
        if (loc.startsWith("/WEB-INF/") || loc.startsWith("/META-INF/")) {
            return null;
        }
        try {
            if (!Files.isRegularFile(Path.of(loc))) {
                // a "/..." location may still be a servlet-context resource; anything else fails in init
                return null;
            }
        } catch (java.nio.file.InvalidPathException e) {
            return null;
        }
        return locate(loc, null);
    }

    private static Located fromContext(String resource, ServletContext context) throws ServletException {
        String real = context.getRealPath(resource);
        if (real != null && Files.isRegularFile(Path.of(real))) {
            return read(ConfigSource.file(Path.of(real)), resource);
        }
        try (InputStream in = context.getResourceAsStream(resource)) {
            if (in == null) {
                return null;
            }
        } catch (IOException e) {
            throw new ServletException("Seawall: config " + resource + " could not be read: " + e.getMessage(), e);
        }
        return read(ConfigSource.resource(nameOf(resource), () -> context.getResourceAsStream(resource)), resource);
    }

    private static Located fromClasspath(String resource) throws ServletException {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        ClassLoader l = loader != null ? loader : ConfigLocator.class.getClassLoader();
        if (l.getResource(resource) == null) {
            return null;
        }
        return read(ConfigSource.resource(nameOf(resource), () -> l.getResourceAsStream(resource)),
                CLASSPATH + resource);
    }

    private static Located read(ConfigSource source, String what) throws ServletException {
        try {
            return new Located(source.name(), source.read(), source);
        } catch (IOException e) {
            throw new ServletException("Seawall: config " + what + " could not be read: " + e.getMessage(), e);
        }
    }

    private static String nameOf(String location) {
        int slash = Math.max(location.lastIndexOf('/'), location.lastIndexOf('\\'));
        return slash >= 0 ? location.substring(slash + 1) : location;
    }
}
