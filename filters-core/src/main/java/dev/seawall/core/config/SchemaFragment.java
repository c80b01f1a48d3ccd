package dev.seawall.core.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A piece of JSON Schema (draft-07) for one value of {@code seawall.yaml}: the keywords in the order they are
 * written. Values are strings, numbers, booleans, lists and nested maps, which {@link ConfigSchemaWriter} prints.
 * Every method that adds a keyword returns a copy, so that a fragment shared by several keys is never changed; the
 * map {@link #keywords()} returns is only read. Built while {@link ConfigSchema} initialises, then only read, so
 * safe to share between threads after that.
 */
final class SchemaFragment {

    /** The name under {@code definitions} of a value holding an environment reference ({@link #substitutable}). */
    static final String SUBSTITUTION = "substitution";

    private final Map<String, Object> keywords = new LinkedHashMap<>();

    private SchemaFragment() {
    }

    static SchemaFragment of(String keyword, Object value) {
        return new SchemaFragment().with(keyword, value);
    }

    /** @return a copy with {@code keyword} set; fragments are shared between keys, so never changed in place */
    SchemaFragment with(String keyword, Object value) {
        SchemaFragment f = new SchemaFragment();
        f.keywords.putAll(extensible());
        f.keywords.put(keyword, value instanceof SchemaFragment v ? v.keywords : value);
        return f;
    }

    /**
     * The keywords, a bare {@code $ref} wrapped in {@code allOf}: draft-07 ignores the keywords beside a
     * {@code $ref}, and a key's description and default are added beside it.
     */
    private Map<String, Object> extensible() {
        if (keywords.size() == 1 && keywords.containsKey("$ref")) {
            return Map.of("allOf", List.of(Map.copyOf(keywords)));
        }
        return keywords;
    }

    /** A whole number within {@code min}-{@code max} (the builder's {@code Check.range}). */
    static SchemaFragment integer(long min, long max) {
        return substitutable(of("type", "integer").with("minimum", min).with("maximum", max));
    }

    static SchemaFragment string() {
        return of("type", "string");
    }

    static SchemaFragment string(String pattern) {
        return substitutable(string().with("pattern", pattern));
    }

    static SchemaFragment bool() {
        return substitutable(of("type", "boolean"));
    }

    static SchemaFragment choice(List<String> values) {
        return substitutable(string().with("enum", List.copyOf(values)));
    }

    /** A constant other than a string ({@code true} for {@code on} as YAML 1.1 reads it). */
    static SchemaFragment constant(Object value) {
        return substitutable(of("const", value));
    }

    /**
     * A scalar the loader checks after {@code ${NAME}} and {@code ${NAME:default}} are substituted: the schema takes
     * either the value itself or any text holding a reference ({@link #SUBSTITUTION}), whose value only the loader
     * sees. A plain string already takes a reference, and keys are never substituted, so only typed or constrained
     * values are wrapped.
     */
    static SchemaFragment substitutable(SchemaFragment value) {
        return anyOf(value, ref(SUBSTITUTION));
    }

    /** @return the range keywords of a value, looking inside {@link #substitutable} */
    Map<String, Object> range() {
        if (keywords.get("anyOf") instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof Map<?, ?> first
                && first.containsKey("minimum")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) first;
            return m;
        }
        return keywords;
    }

    static SchemaFragment choice(String... values) {
        return choice(Arrays.asList(values));
    }

    /** A reference to a shared definition or a block, by its name under {@code definitions}. */
    static SchemaFragment ref(String definition) {
        return of("$ref", "#/definitions/" + definition);
    }

    /** A scalar the reader takes as text: YAML may type it as a number or a boolean ({@code X-Degraded: true}). */
    static SchemaFragment scalar() {
        return of("type", List.of("string", "number", "boolean"));
    }

    static SchemaFragment list(SchemaFragment items) {
        return of("type", "array").with("items", items);
    }

    /** A mapping whose keys are the user's (plan names, header names, methods) and whose values are {@code values}. */
    static SchemaFragment map(SchemaFragment values) {
        return of("type", "object").with("additionalProperties", values);
    }

    /** One of several shapes (a shorthand and a block); the first that matches wins in an editor's completion. */
    static SchemaFragment anyOf(SchemaFragment... shapes) {
        List<Object> list = new ArrayList<>();
        for (SchemaFragment s : shapes) {
            list.add(s.keywords);
        }
        return of("anyOf", List.copyOf(list));
    }

    SchemaFragment def(Object value) {
        return with("default", value);
    }

    SchemaFragment minItems(int n) {
        return with("minItems", n);
    }

    SchemaFragment maxItems(int n) {
        return with("maxItems", n);
    }

    /** @return a copy with {@code description} first, as editors show it */
    SchemaFragment described(String description) {
        SchemaFragment f = new SchemaFragment();
        f.keywords.put("description", description);
        f.keywords.putAll(extensible());
        return f;
    }

    Map<String, Object> keywords() {
        return keywords;
    }
}
