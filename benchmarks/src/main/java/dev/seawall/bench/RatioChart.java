package dev.seawall.bench;

import java.util.List;
import java.util.Locale;

/**
 * Writes the ratio-to-baseline chart as a small self-contained SVG (horizontal bars, one group per run, a line at
 * 1.0 and at each target), built from strings so the benchmarks need no charting library.
 *
 * <p>Stateless and thread-safe.
 */
public final class RatioChart {

    private RatioChart() {
    }

    /** One bar: a setup's median ratio in one run, and the lowest and highest per-round ratio as a whisker. Immutable. */
    public record Bar(String setup, double median, double low, double high) {
    }

    /** One group of bars under a title. Immutable when given an immutable list. */
    public record Group(String title, List<Bar> bars) {
    }

    public static String svg(String title, List<Group> groups, double[] targets) {
        int labelWidth = 210;
        int plotWidth = 460;
        int barHeight = 16;
        int gap = 6;
        double max = 1.2;
        for (Group g : groups) {
            for (Bar b : g.bars()) {
                max = Math.max(max, Math.ceil((Double.isNaN(b.high()) ? b.median() : b.high()) * 10 + 1) / 10);
            }
        }
        int height = 40;
        for (Group g : groups) {
            height += 26 + g.bars().size() * (barHeight + gap);
        }
        height += 50;
        // ~8 px per character of the 14 px bold title, so a long title is never clipped
        int width = Math.max(labelWidth + plotWidth + 70, 20 + 8 * title.length());
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", width, height, width, height));
        s.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", width, height));
        s.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"22\" font-size=\"14\" font-weight=\"bold\">%s</text>%n",
                escape(title)));
        int y = 40;
        int top = y;
        for (Group g : groups) {
            s.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"%d\" font-weight=\"bold\">%s</text>%n", y + 14,
                    escape(g.title())));
            y += 26;
            for (Bar b : g.bars()) {
                double w = plotWidth * Math.max(0, b.median()) / max;
                String colour = b.setup().startsWith("seawall") ? "#1f6fb4" : b.setup().startsWith("bare")
                        ? "#888888" : "#e08a2c";
                s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n",
                        labelWidth - 6, y + barHeight - 4, escape(b.setup())));
                s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>%n",
                        labelWidth, y, w, barHeight, colour));
                if (!Double.isNaN(b.low()) && !Double.isNaN(b.high())) {
                    double x1 = labelWidth + plotWidth * b.low() / max;
                    double x2 = labelWidth + plotWidth * b.high() / max;
                    s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\""
                            + " stroke=\"black\"/>%n", x1, x2, y + barHeight / 2, y + barHeight / 2));
                }
                s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\">%.3f</text>%n",
                        labelWidth + Math.max(w, Double.isNaN(b.high()) ? 0 : plotWidth * b.high() / max) + 4,
                        y + barHeight - 4, b.median()));
                y += barHeight + gap;
            }
        }
        int bottom = y;
        line(s, labelWidth + plotWidth / max, top, bottom, "black", "");
        s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">1.0</text>%n",
                labelWidth + plotWidth / max, bottom + 14));
        for (double t : targets) {
            double x = labelWidth + plotWidth * t / max;
            line(s, x, top, bottom, "#2a9d3a", " stroke-dasharray=\"4 3\"");
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#2a9d3a\">"
                    + "%.2f</text>%n", x, bottom + 26, t));
        }
        int ly = bottom + 44;
        String[][] legend = {{"#888888", "baseline"}, {"#1f6fb4", "Seawall"}, {"#e08a2c", "alternatives"},
            {"#2a9d3a", "targets (dashed)"}};
        int lx = labelWidth;
        for (String[] l : legend) {
            s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
                    + "<text x=\"%d\" y=\"%d\">%s</text>%n", lx, ly - 9, l[0], lx + 14, ly, l[1]));
            lx += 30 + 8 * l[1].length();
        }
        s.append("</svg>\n");
        return s.toString();
    }

    private static void line(StringBuilder s, double x, int y1, int y2, String colour, String extra) {
        s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"%s\"%s/>%n",
                x, x, y1, y2, colour, extra));
    }

    private static String escape(String t) {
        return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
