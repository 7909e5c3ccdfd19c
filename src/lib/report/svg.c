/* svg.c - charts as SVG text on the buffer code: stacked bars and x-y charts with axes, units,
 * labels and a title, readable on light and dark pages (colours from CSS, prefers-color-scheme),
 * byte-for-byte deterministic. No plotting library and no fonts turned into paths. */
#include "report_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

enum { WIDTH = 680, HEIGHT = 360, LEFT = 78, RIGHT = 190, TOP = 44, BOTTOM = 56 };

/* Okabe and Ito's colour-blind-safe palette (Color Universal Design, 2002), minus the yellow
 * that disappears on white, plus Paul Tol's wine for an eighth series. */
static const char *const PALETTE[] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999999", "#882255"};
enum { PALETTE_SIZE = sizeof PALETTE / sizeof PALETTE[0] };

void sp_xml_text(sp_buf *b, const char *text)
{
    for (const char *c = text ? text : ""; *c; c++) {
        switch (*c) {
        case '&': sp_buf_puts(b, "&amp;"); break;
        case '<': sp_buf_puts(b, "&lt;"); break;
        case '>': sp_buf_puts(b, "&gt;"); break;
        case '"': sp_buf_puts(b, "&quot;"); break;
        case '\'': sp_buf_puts(b, "&#39;"); break;
        default: sp_buf_printf(b, "%c", *c);
        }
    }
}

/* Colours live in classes so that a page's dark theme can restyle them. */
static void open_svg(sp_buf *b, const char *title)
{
    sp_buf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"sp-chart\" viewBox=\"0 0 %d %d\" "
                     "width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"",
                  WIDTH, HEIGHT, WIDTH, HEIGHT);
    sp_xml_text(b, title);
    sp_buf_puts(b, "\">\n<title>");
    sp_xml_text(b, title);
    sp_buf_puts(b, "</title>\n<style>.sp-chart text{font:12px sans-serif;fill:#222}.sp-chart .t{font-size:14px;"
                   "font-weight:bold}.sp-chart .ax{stroke:#555}.sp-chart .gr{stroke:#ddd}.sp-chart .mk{stroke:#222;"
                   "stroke-dasharray:4 3}@media (prefers-color-scheme:dark){.sp-chart text{fill:#ddd}.sp-chart .ax"
                   "{stroke:#aaa}.sp-chart .gr{stroke:#444}.sp-chart .mk{stroke:#ddd}}</style>\n");
    sp_buf_printf(b, "<text class=\"t\" x=\"%d\" y=\"24\">", LEFT);
    sp_xml_text(b, title);
    sp_buf_puts(b, "</text>\n");
}

/* A step of 1, 2 or 5 times a power of ten that cuts the range in about five. */
static double nice_step(double range)
{
    double raw = range / 5, power = pow(10, floor(log10(raw))), f = raw / power;
    return power * (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10);
}

typedef struct {
    double x0, x1, y0, y1;
    bool x_log2;
} frame;

static double px(const frame *f, double x)
{
    double lo = f->x_log2 ? log2(f->x0) : f->x0, hi = f->x_log2 ? log2(f->x1) : f->x1;
    double v = f->x_log2 ? log2(x) : x;
    return LEFT + (hi > lo ? (v - lo) / (hi - lo) : 0.5) * (WIDTH - LEFT - RIGHT);
}

static double py(const frame *f, double y)
{
    return HEIGHT - BOTTOM - (f->y1 > f->y0 ? (y - f->y0) / (f->y1 - f->y0) : 0.5) * (HEIGHT - TOP - BOTTOM);
}

static void tick_label(double v, char *buf, size_t size)
{
    if (fabs(v) >= 1e6 || (fabs(v) < 1e-3 && v != 0))
        snprintf(buf, size, "%.3g", v);
    else
        snprintf(buf, size, "%.10g", round(v * 1e6) / 1e6);
}

/* Axes with gridlines, tick labels and the axis titles (units in them). */
static void axes(sp_buf *b, const frame *f, const char *x_label, const char *y_label, bool x_ticks)
{
    char label[32];
    double step = nice_step(f->y1 - f->y0);
    for (double y = ceil(f->y0 / step) * step; y <= f->y1 + step * 1e-9; y += step) {
        tick_label(y, label, sizeof label);
        sp_buf_printf(b, "<line class=\"gr\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>"
                         "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                      LEFT, py(f, y), WIDTH - RIGHT, py(f, y), LEFT - 6, py(f, y) + 4, label);
    }
    if (x_ticks && f->x_log2) {
        for (double x = pow(2, ceil(log2(f->x0))); x <= f->x1 * (1 + 1e-9); x *= 2) {
            tick_label(x, label, sizeof label);
            sp_buf_printf(b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", px(f, x),
                          HEIGHT - BOTTOM + 16, label);
        }
    } else if (x_ticks) {
        double xs = nice_step(f->x1 - f->x0);
        for (double x = ceil(f->x0 / xs) * xs; x <= f->x1 + xs * 1e-9; x += xs) {
            tick_label(x, label, sizeof label);
            sp_buf_printf(b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", px(f, x),
                          HEIGHT - BOTTOM + 16, label);
        }
    }
    sp_buf_printf(b, "<line class=\"ax\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
                     "<line class=\"ax\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n",
                  LEFT, HEIGHT - BOTTOM, WIDTH - RIGHT, HEIGHT - BOTTOM, LEFT, TOP, LEFT, HEIGHT - BOTTOM);
    sp_buf_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", (LEFT + WIDTH - RIGHT) / 2, HEIGHT - 14);
    sp_xml_text(b, x_label);
    sp_buf_printf(b, "</text>\n<text transform=\"translate(16 %d) rotate(-90)\" text-anchor=\"middle\">",
                  (TOP + HEIGHT - BOTTOM) / 2);
    sp_xml_text(b, y_label);
    sp_buf_puts(b, "</text>\n");
}

static void legend_entry(sp_buf *b, size_t i, const char *name)
{
    double y = TOP + 6 + 18.0 * (double)i;
    sp_buf_printf(b, "<rect x=\"%d\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%s\"/><text x=\"%d\" y=\"%.1f\">",
                  WIDTH - RIGHT + 12, y, PALETTE[i % PALETTE_SIZE], WIDTH - RIGHT + 30, y + 10);
    sp_xml_text(b, name);
    sp_buf_puts(b, "</text>\n");
}

/* A dashed horizontal line across the plot, labelled at its right end. */
static void y_marker(sp_buf *b, const frame *f, double y, const char *label)
{
    sp_buf_printf(b, "<line class=\"mk\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/><text x=\"%d\" y=\"%.1f\">",
                  LEFT, py(f, y), WIDTH - RIGHT, py(f, y), LEFT + 4, py(f, y) - 4);
    sp_xml_text(b, label);
    sp_buf_puts(b, "</text>\n");
}

char *sp_svg_stacked_bars(const sp_svg_bars *chart, sp_error *err)
{
    sp_buf b = {0};
    open_svg(&b, chart->title);
    frame f = {0, 1, 0, chart->limit > 0 ? chart->limit : 0, false};
    for (size_t i = 0; i < chart->count; i++) {
        double total = 0;
        for (size_t s = 0; s < chart->segments; s++)
            total += fmax(0, chart->bars[i].values[s]);
        f.y1 = fmax(f.y1, total);
    }
    f.y1 = f.y1 > 0 ? f.y1 * 1.08 : 1;
    axes(&b, &f, chart->x_label, chart->y_label, false);
    double slot = (double)(WIDTH - LEFT - RIGHT) / (double)(chart->count ? chart->count : 1);
    double width = fmin(72, slot * 0.6);
    for (size_t i = 0; i < chart->count; i++) {
        double x = LEFT + slot * ((double)i + 0.5), base = 0;
        for (size_t s = 0; s < chart->segments; s++) {
            double v = fmax(0, chart->bars[i].values[s]);
            if (v <= 0)
                continue;
            sp_buf_printf(&b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>",
                          x - width / 2, py(&f, base + v), width, py(&f, base) - py(&f, base + v),
                          PALETTE[s % PALETTE_SIZE]);
            sp_xml_text(&b, chart->segment_names[s]);
            sp_buf_printf(&b, ": %.4g</title></rect>\n", v);
            base += v;
        }
        sp_buf_printf(&b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">", x, HEIGHT - BOTTOM + 16);
        sp_xml_text(&b, chart->bars[i].label);
        sp_buf_printf(&b, "</text>\n<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.4g</text>\n", x,
                      py(&f, base) - 4, base);
    }
    if (chart->limit > 0)
        y_marker(&b, &f, chart->limit, chart->limit_label);
    for (size_t s = 0; s < chart->segments; s++)
        legend_entry(&b, s, chart->segment_names[s]);
    sp_buf_puts(&b, "</svg>\n");
    return sp_buf_finish(&b, err);
}

/* The data's range with a margin, and the markers inside it. */
static frame xy_frame(const sp_svg_xy *chart, const sp_svg_series *series, size_t n)
{
    frame f = {INFINITY, -INFINITY, chart->y_from_zero ? 0 : INFINITY, -INFINITY, chart->x_log2};
    for (size_t s = 0; s < n; s++)
        for (size_t i = 0; i < series[s].count; i++) {
            if (!isfinite(series[s].x[i]) || !isfinite(series[s].y[i]))
                continue;
            f.x0 = fmin(f.x0, series[s].x[i]);
            f.x1 = fmax(f.x1, series[s].x[i]);
            f.y0 = fmin(f.y0, series[s].y[i]);
            f.y1 = fmax(f.y1, series[s].y[i]);
        }
    if (chart->x_mark > 0 && isfinite(chart->x_mark)) {
        f.x0 = fmin(f.x0, chart->x_mark);
        f.x1 = fmax(f.x1, chart->x_mark);
    }
    if (chart->y_mark > 0) {
        f.y0 = fmin(f.y0, chart->y_mark);
        f.y1 = fmax(f.y1, chart->y_mark);
    }
    if (!(f.x1 >= f.x0)) /* no point at all */
        f = (frame){1, 2, 0, 1, chart->x_log2};
    if (f.x1 == f.x0)
        f.x1 = f.x_log2 ? f.x0 * 2 : f.x0 + 1;
    double pad = (f.y1 - f.y0) * 0.08;
    f.y1 = f.y1 + (pad > 0 ? pad : 1);
    if (!chart->y_from_zero)
        f.y0 = fmax(0, f.y0 - (pad > 0 ? pad : 1));
    return f;
}

char *sp_svg_xy_chart(const sp_svg_xy *chart, const sp_svg_series *series, size_t n, sp_error *err)
{
    sp_buf b = {0};
    open_svg(&b, chart->title);
    frame f = xy_frame(chart, series, n);
    axes(&b, &f, chart->x_label, chart->y_label, true);
    for (size_t s = 0; s < n; s++) {
        const char *colour = PALETTE[s % PALETTE_SIZE];
        if (!series[s].points_only && series[s].count > 1) {
            sp_buf_printf(&b, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", colour);
            for (size_t i = 0; i < series[s].count; i++)
                if (isfinite(series[s].x[i]) && isfinite(series[s].y[i]))
                    sp_buf_printf(&b, "%s%.1f,%.1f", i ? " " : "", px(&f, series[s].x[i]), py(&f, series[s].y[i]));
            sp_buf_puts(&b, "\"/>\n");
        }
        for (size_t i = 0; i < series[s].count; i++)
            if (isfinite(series[s].x[i]) && isfinite(series[s].y[i]))
                sp_buf_printf(&b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>\n", px(&f, series[s].x[i]),
                              py(&f, series[s].y[i]), colour);
        legend_entry(&b, s, series[s].name);
    }
    if (chart->x_mark > 0 && isfinite(chart->x_mark)) {
        sp_buf_printf(&b, "<line class=\"mk\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/><text x=\"%.1f\" y=\"%d\">",
                      px(&f, chart->x_mark), TOP, px(&f, chart->x_mark), HEIGHT - BOTTOM, px(&f, chart->x_mark) + 4,
                      TOP + 12);
        sp_xml_text(&b, chart->x_mark_label);
        sp_buf_puts(&b, "</text>\n");
    }
    if (chart->y_mark > 0)
        y_marker(&b, &f, chart->y_mark, chart->y_mark_label);
    if (chart->chosen_label) { /* the plan's pick, ringed */
        sp_buf_printf(&b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"8\" fill=\"none\" class=\"mk\"/><text x=\"%.1f\" "
                          "y=\"%.1f\">",
                      px(&f, chart->chosen_x), py(&f, chart->chosen_y), px(&f, chart->chosen_x) + 10,
                      py(&f, chart->chosen_y) - 8);
        sp_xml_text(&b, chart->chosen_label);
        sp_buf_puts(&b, "</text>\n");
    }
    sp_buf_puts(&b, "</svg>\n");
    return sp_buf_finish(&b, err);
}
