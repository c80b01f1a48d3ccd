package dev.seawall.e2e.container;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.Servlet;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.FileNotFoundException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a webapp's {@code WEB-INF/web.xml} into a {@link Deployment}, for a container that reads none when embedded
 * (Undertow). Only the elements the suite's webapps use are understood: filters and their mappings (URL patterns
 * and dispatchers; the chain follows the order of the mappings), servlets and their mappings, init-params,
 * async-supported, load-on-startup, security constraints with one role, and a BASIC login configuration. Anything
 * else is refused rather than skipped, so a webapp never runs on Undertow without part of its descriptor.
 * Stateless; thread-safe.
 */
final class WebXml {

    private WebXml() {
    }

    /** @param classpathDir the webapp: a class-path directory holding {@code WEB-INF/web.xml}, also its resources */
    static Deployment read(String classpathDir) throws Exception {
        String path = classpathDir + "/WEB-INF/web.xml";
        Element root;
        try (InputStream in = WebXml.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new FileNotFoundException(path + " is not on the class path");
            }
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            root = factory.newDocumentBuilder().parse(in).getDocumentElement();
        }
        Deployment.Builder deployment = Deployment.builder().resources(classpathDir);
        Map<String, Element> filters = new LinkedHashMap<>();
        Map<String, List<String>> filterPatterns = new LinkedHashMap<>();
        Map<String, Set<DispatcherType>> filterDispatchers = new LinkedHashMap<>();
        Map<String, Element> servlets = new LinkedHashMap<>();
        Map<String, List<String>> servletPatterns = new LinkedHashMap<>();
        for (Element e : children(root, "filter", "filter-mapping", "servlet", "servlet-mapping", "security-constraint",
                "login-config", "security-role", "display-name", "description")) {
            switch (e.getLocalName()) {
                case "filter" -> filters.put(text(e, "filter-name"), e);
                case "filter-mapping" -> {
                    children(e, "filter-name", "url-pattern", "dispatcher");
                    String name = text(e, "filter-name");
                    Set<DispatcherType> dispatchers = EnumSet.noneOf(DispatcherType.class);
                    texts(e, "dispatcher").forEach(d -> dispatchers.add(DispatcherType.valueOf(d)));
                    Set<DispatcherType> before = filterDispatchers.putIfAbsent(name, dispatchers);
                    if (before != null && !before.equals(dispatchers)) {
                        throw unsupported(path, "mappings of filter " + name + " with different dispatchers");
                    }
                    filterPatterns.computeIfAbsent(name, n -> new ArrayList<>()).addAll(texts(e, "url-pattern"));
                }
                case "servlet" -> servlets.put(text(e, "servlet-name"), e);
                case "servlet-mapping" -> {
                    children(e, "servlet-name", "url-pattern");
                    servletPatterns.computeIfAbsent(text(e, "servlet-name"), n -> new ArrayList<>())
                            .addAll(texts(e, "url-pattern"));
                }
                case "security-constraint" -> {
                    children(e, "web-resource-collection", "auth-constraint", "display-name");
                    List<String> roles = texts(child(e, "auth-constraint", "role-name", "description"), "role-name");
                    if (roles.size() != 1) {
                        throw unsupported(path, "a security-constraint with the roles " + roles + " (only one role)");
                    }
                    for (Element urls : named(e, "web-resource-collection")) {
                        children(urls, "web-resource-name", "url-pattern", "description");
                        texts(urls, "url-pattern").forEach(url -> deployment.constraint(url, roles.get(0)));
                    }
                }
                case "login-config" -> {
                    children(e, "auth-method", "realm-name");
                    if (!"BASIC".equals(text(e, "auth-method"))) {
                        throw unsupported(path, "auth-method " + text(e, "auth-method") + " (only BASIC)");
                    }
                    deployment.basicAuth(text(e, "realm-name"));
                }
                default -> {
                    // security-role: the roles come from the constraints; display-name, description: no behaviour
                }
            }
        }
        for (Map.Entry<String, List<String>> mapping : filterPatterns.entrySet()) {
            Element f = filters.get(mapping.getKey());
            if (f == null) {
                throw unsupported(path, "a filter-mapping for the undeclared filter " + mapping.getKey());
            }
            children(f, "filter-name", "filter-class", "async-supported", "init-param", "description");
            deployment.filter(new Deployment.FilterSpec(mapping.getKey(), type(f, "filter-class", Filter.class), null,
                    initParams(f), Boolean.parseBoolean(text(f, "async-supported")), mapping.getValue(),
                    filterDispatchers.get(mapping.getKey())));
        }
        filters.keySet().removeAll(filterPatterns.keySet());
        if (!filters.isEmpty()) {
            throw unsupported(path, "filters without a filter-mapping " + filters.keySet());
        }
        for (Map.Entry<String, Element> s : servlets.entrySet()) {
            Element e = s.getValue();
            children(e, "servlet-name", "servlet-class", "async-supported", "init-param", "load-on-startup",
                    "description");
            String loadOnStartup = text(e, "load-on-startup");
            deployment.servlet(new Deployment.ServletSpec(s.getKey(), type(e, "servlet-class", Servlet.class), null,
                    initParams(e), Boolean.parseBoolean(text(e, "async-supported")),
                    loadOnStartup == null || loadOnStartup.isEmpty() ? -1 : Integer.parseInt(loadOnStartup),
                    servletPatterns.getOrDefault(s.getKey(), List.of())));
        }
        return deployment.build();
    }

    private static <T> Class<? extends T> type(Element e, String element, Class<T> kind) throws ClassNotFoundException {
        return Class.forName(text(e, element), false, WebXml.class.getClassLoader()).asSubclass(kind);
    }

    private static Map<String, String> initParams(Element e) {
        Map<String, String> params = new LinkedHashMap<>();
        for (Element p : named(e, "init-param")) {
            children(p, "param-name", "param-value", "description");
            params.put(text(p, "param-name"), text(p, "param-value"));
        }
        return params;
    }

    /** The child elements of {@code e} named {@code allowed}; refuses any other child element. */
    private static List<Element> children(Element e, String... allowed) {
        List<Element> found = new ArrayList<>();
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element c) {
                if (!List.of(allowed).contains(c.getLocalName())) {
                    throw new IllegalArgumentException("web.xml: <" + c.getLocalName() + "> in <" + e.getLocalName()
                            + "> is not supported by this reader (it knows " + List.of(allowed) + ")");
                }
                found.add(c);
            }
        }
        return found;
    }

    /** The child elements of {@code e} called {@code name}. */
    private static List<Element> named(Element e, String name) {
        List<Element> found = new ArrayList<>();
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element c && name.equals(c.getLocalName())) {
                found.add(c);
            }
        }
        return found;
    }

    /** The only child of {@code e} called {@code name}, whose own children may be {@code allowed}. */
    private static Element child(Element e, String name, String... allowed) {
        List<Element> found = named(e, name);
        if (found.size() != 1) {
            throw new IllegalArgumentException("web.xml: <" + e.getLocalName() + "> needs one <" + name + ">");
        }
        children(found.get(0), allowed);
        return found.get(0);
    }

    private static List<String> texts(Element e, String name) {
        return named(e, name).stream().map(c -> c.getTextContent().trim()).toList();
    }

    /** The text of the single child {@code name}, or {@code null} without one. */
    private static String text(Element e, String name) {
        List<String> values = texts(e, name);
        if (values.size() > 1) {
            throw new IllegalArgumentException("web.xml: <" + e.getLocalName() + "> has several <" + name + ">");
        }
        return values.isEmpty() ? null : values.get(0);
    }

    private static IllegalArgumentException unsupported(String path, String what) {
        return new IllegalArgumentException(path + ": this reader does not support " + what);
    }
}
