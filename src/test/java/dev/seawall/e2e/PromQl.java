package dev.seawall.e2e;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What a PromQL expression reads: its metric selectors (name and label matchers) and the labels its {@code by},
 * {@code without}, {@code on}, {@code ignoring} and {@code group_left/right} clauses name. A tokenizer, not a parser:
 * enough to check that the names a dashboard or a rule file uses are ones Seawall exports, strict where a mistake
 * would hide a metric (an unknown function, a selector without a name, an unclosed bracket or string all throw). The
 * syntax itself is promtool's to judge. Stateless, thread-safe.
 */
final class PromQl {

    /** One label matcher of a selector: {@code label op "value"}. */
    record Matcher(String label, String op, String value) {
    }

    /** One instant or range selector: a metric name and its matchers. */
    record Selector(String metric, List<Matcher> matchers) {
    }

    /** The metrics and labels one expression names. */
    record Query(List<Selector> selectors, Set<String> groupingLabels) {
    }

    /** Functions and aggregation operators of PromQL 2.x (a name followed by {@code (} must be one of these). */
    static final Set<String> FUNCTIONS = Set.of(
            "abs", "absent", "absent_over_time", "acos", "acosh", "asin", "asinh", "atan", "atanh", "avg_over_time",
            "ceil", "changes", "clamp", "clamp_max", "clamp_min", "cos", "cosh", "count_over_time", "day_of_month",
            "day_of_week", "day_of_year", "days_in_month", "deg", "delta", "deriv", "exp", "floor",
            "histogram_quantile", "holt_winters", "hour", "idelta", "increase", "irate", "label_join",
            "label_replace", "last_over_time", "ln", "log10", "log2", "max_over_time", "min_over_time", "minute",
            "month", "pi", "predict_linear", "present_over_time", "quantile_over_time", "rad", "rate", "resets",
            "round", "scalar", "sgn", "sin", "sinh", "sort", "sort_desc", "sqrt", "stddev_over_time",
            "stdvar_over_time", "sum_over_time", "tan", "tanh", "time", "timestamp", "vector", "year",
            "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk",
            "quantile");
    /** The aggregation operators: the names that may take a {@code by} or {@code without} clause first. */
    static final Set<String> AGGREGATIONS = Set.of("sum", "min", "max", "avg", "group", "stddev", "stdvar", "count",
            "count_values", "bottomk", "topk", "quantile");

    /** Keywords followed by a parenthesised list of label names. */
    private static final Set<String> GROUPING = Set.of("by", "without", "on", "ignoring", "group_left", "group_right");
    /** Other keywords and literals that are neither metrics nor functions. */
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "atan2", "inf", "nan");

    private PromQl() {
    }

    /**
     * @throws IllegalArgumentException for what cannot be a well-formed expression naming metrics: an unknown
     *     function, a selector without a metric name, unbalanced brackets, an unterminated string
     */
    static Query read(String expr) {
        List<Token> tokens = tokenize(expr);
        List<Selector> selectors = new ArrayList<>();
        Set<String> grouping = new LinkedHashSet<>();
        int depth = 0;
        for (int i = 0; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            if (t.kind == Kind.IDENT) {
                String lower = t.text.toLowerCase(Locale.ROOT);
                boolean call = i + 1 < tokens.size() && tokens.get(i + 1).is("(");
                // an aggregation's by or without clause may stand between its name and its parenthesis
                boolean clause = i + 1 < tokens.size() && tokens.get(i + 1).kind == Kind.IDENT
                        && Set.of("by", "without").contains(tokens.get(i + 1).text.toLowerCase(Locale.ROOT));
                if (GROUPING.contains(lower)) {
                    if (call) {
                        i = labelList(tokens, i + 1, grouping, expr);
                    } else if (!lower.startsWith("group_")) {
                        throw new IllegalArgumentException("'" + t.text + "' without a label list in: " + expr);
                    }
                } else if (KEYWORDS.contains(lower)) {
                    continue;
                } else if (call || clause) {
                    if (!(clause ? AGGREGATIONS : FUNCTIONS).contains(t.text)) {
                        throw new IllegalArgumentException("unknown function " + t.text + " in: " + expr);
                    }
                } else {
                    List<Matcher> matchers = new ArrayList<>();
                    if (i + 1 < tokens.size() && tokens.get(i + 1).is("{")) {
                        i = matchers(tokens, i + 1, matchers, expr);
                    }
                    selectors.add(new Selector(t.text, List.copyOf(matchers)));
                }
            } else if (t.is("{")) {
                throw new IllegalArgumentException("a selector without a metric name in: " + expr);
            } else if (t.is("[")) {
                i = skipTo(tokens, i, "]", expr);
            } else if (t.is("(")) {
                depth++;
            } else if (t.is(")")) {
                depth--;
                if (depth < 0) {
                    throw new IllegalArgumentException("unbalanced ')' in: " + expr);
                }
            } else if (t.is("}") || t.is("]")) {
                throw new IllegalArgumentException("unbalanced '" + t.text + "' in: " + expr);
            }
        }
        if (depth != 0) {
            throw new IllegalArgumentException("unbalanced '(' in: " + expr);
        }
        return new Query(List.copyOf(selectors), Set.copyOf(grouping));
    }

    private static int labelList(List<Token> tokens, int open, Set<String> into, String expr) {
        int i = open + 1;
        while (i < tokens.size() && !tokens.get(i).is(")")) {
            Token t = tokens.get(i);
            if (t.kind == Kind.IDENT) {
                into.add(t.text);
            } else if (!t.is(",")) {
                throw new IllegalArgumentException("'" + t.text + "' in a label list in: " + expr);
            }
            i++;
        }
        if (i == tokens.size()) {
            throw new IllegalArgumentException("unclosed label list in: " + expr);
        }
        return i;
    }

    private static int matchers(List<Token> tokens, int open, List<Matcher> into, String expr) {
        int i = open + 1;
        while (i < tokens.size() && !tokens.get(i).is("}")) {
            if (i + 2 >= tokens.size() || tokens.get(i).kind != Kind.IDENT || tokens.get(i + 1).kind != Kind.OP
                    || tokens.get(i + 2).kind != Kind.STRING) {
                throw new IllegalArgumentException("a malformed label matcher in: " + expr);
            }
            String op = tokens.get(i + 1).text;
            if (!Set.of("=", "!=", "=~", "!~").contains(op)) {
                throw new IllegalArgumentException("matcher operator " + op + " in: " + expr);
            }
            into.add(new Matcher(tokens.get(i).text, op, tokens.get(i + 2).text));
            i += 3;
            if (i < tokens.size() && tokens.get(i).is(",")) {
                i++;
            }
        }
        if (i == tokens.size()) {
            throw new IllegalArgumentException("unclosed '{' in: " + expr);
        }
        return i;
    }

    private static int skipTo(List<Token> tokens, int from, String close, String expr) {
        for (int i = from + 1; i < tokens.size(); i++) {
            if (tokens.get(i).is(close)) {
                return i;
            }
        }
        throw new IllegalArgumentException("unclosed '" + tokens.get(from).text + "' in: " + expr);
    }

    private enum Kind { IDENT, STRING, NUMBER, OP, PUNCT }

    private record Token(Kind kind, String text) {
        boolean is(String s) {
            return kind == Kind.PUNCT && text.equals(s);
        }
    }

    private static List<Token> tokenize(String s) {
        List<Token> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '#') {
                while (i < s.length() && s.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '"' || c == '\'' || c == '`') {
                StringBuilder v = new StringBuilder();
                int j = i + 1;
                while (j < s.length() && s.charAt(j) != c) {
                    if (s.charAt(j) == '\\' && c != '`' && j + 1 < s.length()) {
                        j++;
                    }
                    v.append(s.charAt(j));
                    j++;
                }
                if (j >= s.length()) {
                    throw new IllegalArgumentException("unterminated string in: " + s);
                }
                out.add(new Token(Kind.STRING, v.toString()));
                i = j + 1;
            } else if (Character.isLetter(c) || c == '_' || c == ':') {
                int j = i;
                while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_'
                        || s.charAt(j) == ':')) {
                    j++;
                }
                out.add(new Token(Kind.IDENT, s.substring(i, j)));
                i = j;
            } else if (Character.isDigit(c) || c == '.') {
                int j = i;
                while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '.')) {
                    j++;
                }
                out.add(new Token(Kind.NUMBER, s.substring(i, j)));
                i = j;
            } else if (s.startsWith("=~", i) || s.startsWith("!~", i) || s.startsWith("!=", i)
                    || s.startsWith("==", i) || s.startsWith("<=", i) || s.startsWith(">=", i)) {
                out.add(new Token(Kind.OP, s.substring(i, i + 2)));
                i += 2;
            } else if ("=<>+-*/%^@".indexOf(c) >= 0) {
                out.add(new Token(Kind.OP, String.valueOf(c)));
                i++;
            } else if ("{}()[],".indexOf(c) >= 0) {
                out.add(new Token(Kind.PUNCT, String.valueOf(c)));
                i++;
            } else {
                throw new IllegalArgumentException("unexpected '" + c + "' in: " + s);
            }
        }
        return out;
    }
}
