package dev.seawall.servlet;

import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
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
 */
final class ConfigLocator {

    /** Larger config files are refused before parsing: they are mistakes or attacks, not policies. */
    static final int MAX_BYTES = 1024 * 1024;

    static final String CLASSPATH = "classpath:";
    static final String DEFAULT_CONTEXT_RESOURCE = "/WEB-INF/seawall.yaml";
    static final String DEFAULT_CLASSPATH_RESOURCE = "seawall.yaml";

    /** The text of a located configuration and the name errors should cite. */
    record Located(String sourceName, String text) {
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
        Path file = Path.of(loc);
        if (!Files.isRegularFile(file)) {
            throw new ServletException("Seawall: config " + loc + " was not found"
                    + (loc.startsWith("/") ? " as a servlet-context resource nor as a file" : " as a file"));
        }
        try (InputStream in = Files.newInputStream(file)) {
            return new Located(nameOf(loc), read(in, loc));
        } catch (IOException e) {
            throw new ServletException("Seawall: config " + loc + " could not be read: " + e.getMessage(), e);
        }
    }

    private static Located fromContext(String resource, ServletContext context) throws ServletException {
        try (InputStream in = context.getResourceAsStream(resource)) {
            return in == null ? null : new Located(nameOf(resource), read(in, resource));
        } catch (IOException e) {
            throw new ServletException("Seawall: config " + resource + " could not be read: " + e.getMessage(), e);
        }
    }

    private static Located fromClasspath(String resource) throws ServletException {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null) {
            loader = ConfigLocator.class.getClassLoader();
        }
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in != null) {
                return new Located(nameOf(resource), read(in, CLASSPATH + resource));
            }
        } catch (IOException e) {
            throw new ServletException("Seawall: config classpath:" + resource + " could not be read: "
                    + e.getMessage(), e);
        }
        return null;
    }

    private static String read(InputStream in, String what) throws IOException, ServletException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf)) > 0) {
            if (out.size() + n > MAX_BYTES) {
                throw new ServletException("Seawall: config " + what + " is larger than " + MAX_BYTES + " bytes");
            }
            out.write(buf, 0, n);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String nameOf(String location) {
        int slash = Math.max(location.lastIndexOf('/'), location.lastIndexOf('\\'));
        return slash >= 0 ? location.substring(slash + 1) : location;
    }
}
